//! Readiness probes.

use std::time::Duration;

use k8s_openapi::api::core::v1::{Container, Probe};

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A readiness probe the agent can run.
pub(super) struct ProbeTarget {
    port: u16,
    http_path: Option<String>,
    pub(super) period: Duration,
    pub(super) failure_threshold: u32,
    timeout: Duration,
}

impl ProbeTarget {
    pub(super) fn new(
        probe: &Probe,
        container: &Container,
        ports: &std::collections::HashMap<u16, u16>,
    ) -> Option<ProbeTarget> {
        let (port, path) = if let Some(http) = &probe.http_get {
            (
                &http.port,
                Some(http.path.clone().unwrap_or_else(|| "/".into())),
            )
        } else if let Some(tcp) = &probe.tcp_socket {
            (&tcp.port, None)
        } else {
            // exec and gRPC probes are not run; the pod is Ready once running.
            return None;
        };
        let container_port = match port {
            IntOrString::Int(n) => u16::try_from(*n).ok()?,
            IntOrString::String(name) => container
                .ports
                .as_ref()?
                .iter()
                .find(|p| p.name.as_deref() == Some(name))
                .and_then(|p| u16::try_from(p.container_port).ok())?,
        };
        Some(ProbeTarget {
            port: ports
                .get(&container_port)
                .copied()
                .unwrap_or(container_port),
            http_path: path,
            period: Duration::from_secs(
                u64::try_from(probe.period_seconds.unwrap_or(10)).unwrap_or(10),
            )
            .min(Duration::from_secs(2)),
            failure_threshold: u32::try_from(probe.failure_threshold.unwrap_or(3)).unwrap_or(3),
            timeout: Duration::from_secs(
                u64::try_from(probe.timeout_seconds.unwrap_or(1)).unwrap_or(1),
            )
            .min(Duration::from_secs(2)),
        })
    }

    pub(super) async fn check(&self) -> bool {
        let attempt = async {
            let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .ok()?;
            let Some(path) = &self.http_path else {
                return Some(true);
            };
            let request = format!(
                "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nUser-Agent: cira-tests-probe\r\nConnection: close\r\n\r\n",
                self.port
            );
            stream.write_all(request.as_bytes()).await.ok()?;
            let mut buf = [0u8; 64];
            let mut read = 0;
            while read < 12 {
                let n = stream.read(&mut buf[read..]).await.ok()?;
                if n == 0 {
                    break;
                }
                read += n;
            }
            let head = String::from_utf8_lossy(&buf[..read]).into_owned();
            let code: u16 = head.split_whitespace().nth(1)?.parse().ok()?;
            Some((200..400).contains(&code))
        };
        matches!(
            tokio::time::timeout(self.timeout, attempt).await,
            Ok(Some(true))
        )
    }
}
