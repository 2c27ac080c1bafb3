//! `kubectl cira console`: forwards a local port to the web console's pod
//! (the way `kubectl port-forward` does, over the API server) and prints the
//! URL to open.

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use tokio::net::TcpListener;

use crate::error::Error;
use crate::scans::Cluster;

/// The label every console pod of the chart carries.
pub const CONSOLE_SELECTOR: &str = "app.kubernetes.io/component=console";

/// The console's container port: the one named `http`, else the first.
fn http_port(pod: &Pod) -> Option<u16> {
    let ports = pod.spec.as_ref()?.containers.first()?.ports.clone()?;
    let port = ports
        .iter()
        .find(|p| p.name.as_deref() == Some("http"))
        .or(ports.first())?;
    u16::try_from(port.container_port).ok()
}

fn running(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_none()
        && pod.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
}

/// Forwards 127.0.0.1:`local` to the console until interrupted.
pub async fn console(cluster: &Cluster, local: u16) -> Result<u8, Error> {
    let pods: Api<Pod> = Api::namespaced(cluster.client.clone(), &cluster.namespace);
    let list = pods
        .list(&ListParams::default().labels(CONSOLE_SELECTOR))
        .await
        .map_err(|e| Error::Api {
            action: "listing console pods for",
            name: "cira-console".into(),
            namespace: cluster.namespace.clone(),
            source: Box::new(e),
        })?;
    let pod = list
        .items
        .into_iter()
        .find(running)
        .ok_or_else(|| Error::ConsoleNotFound {
            namespace: cluster.namespace.clone(),
        })?;
    let name = pod.metadata.name.clone().unwrap_or_default();
    let remote = http_port(&pod).unwrap_or(8080);
    let listener = TcpListener::bind(("127.0.0.1", local))
        .await
        .map_err(|source| Error::Listen {
            port: local,
            source,
        })?;
    let bound = listener.local_addr().map_err(|source| Error::Listen {
        port: local,
        source,
    })?;
    println!(
        "Forwarding http://{bound}/ to pod {}/{name} port {remote}",
        cluster.namespace
    );
    println!("Open the CIRA console at http://{bound}/ (Ctrl-C to stop)");
    loop {
        let (mut conn, _) = tokio::select! {
            accepted = listener.accept() => accepted.map_err(|source| Error::Listen { port: local, source })?,
            _ = tokio::signal::ctrl_c() => return Ok(0),
        };
        let pods = pods.clone();
        let name = name.clone();
        tokio::spawn(async move {
            let forwarded = async {
                let mut pf = pods.portforward(&name, &[remote]).await?;
                let mut upstream = pf
                    .take_stream(remote)
                    .ok_or_else(|| kube::Error::Service("the port-forward has no stream".into()))?;
                let _ = tokio::io::copy_bidirectional(&mut conn, &mut upstream).await;
                drop(upstream);
                let _ = pf.join().await;
                Ok::<_, kube::Error>(())
            };
            if let Err(e) = forwarded.await {
                eprintln!("port-forward to {name}: {e}");
            }
        });
    }
}
