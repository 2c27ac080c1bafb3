//! Talking to the cluster: the client, and reading and patching scans with
//! errors that say whether the scan or the whole CRD is missing.

use cira_crds::{CompanyScan, DesiredState};
use kube::api::{Api, ListParams, Patch, PatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use serde_json::json;

use crate::error::{Error, is_conflict, is_not_found};

/// The client and the namespace commands act in.
pub struct Cluster {
    pub client: Client,
    pub namespace: String,
}

impl Cluster {
    /// Loads the kubeconfig the way kubectl does: --kubeconfig, else
    /// $KUBECONFIG or ~/.kube/config (or the in-cluster config), with
    /// --context and -n applied on top.
    pub async fn connect(
        kubeconfig: Option<&str>,
        context: Option<&str>,
        namespace: Option<&str>,
    ) -> Result<Self, Error> {
        let options = KubeConfigOptions {
            context: context.map(str::to_string),
            ..KubeConfigOptions::default()
        };
        let config = match (kubeconfig, context) {
            (Some(path), _) => {
                let file = Kubeconfig::read_from(path)
                    .map_err(|e| Error::Kubeconfig(format!("{path}: {e}")))?;
                Config::from_custom_kubeconfig(file, &options)
                    .await
                    .map_err(|e| Error::Kubeconfig(format!("{path}: {e}")))?
            }
            (None, Some(_)) => Config::from_kubeconfig(&options)
                .await
                .map_err(|e| Error::Kubeconfig(e.to_string()))?,
            (None, None) => Config::infer()
                .await
                .map_err(|e| Error::Kubeconfig(e.to_string()))?,
        };
        let namespace = namespace
            .map(str::to_string)
            .unwrap_or_else(|| config.default_namespace.clone());
        let client = Client::try_from(config).map_err(Error::Client)?;
        Ok(Self { client, namespace })
    }

    pub fn scans(&self) -> Api<CompanyScan> {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    /// True when the API server does not serve cira.dev/v1alpha1.
    async fn crd_missing(&self) -> bool {
        match self
            .client
            .list_api_group_resources("cira.dev/v1alpha1")
            .await
        {
            Ok(list) => !list.resources.iter().any(|r| r.name == "companyscans"),
            Err(e) => is_not_found(&e),
        }
    }

    /// Turns a failed call on a scan into the error a person needs: a
    /// missing CRD, a missing scan, or the API's own message.
    async fn explain(&self, action: &'static str, name: &str, err: kube::Error) -> Error {
        if is_not_found(&err) {
            if self.crd_missing().await {
                return Error::CrdMissing;
            }
            return Error::ScanNotFound {
                name: name.to_string(),
                namespace: self.namespace.clone(),
            };
        }
        Error::Api {
            action,
            name: name.to_string(),
            namespace: self.namespace.clone(),
            source: Box::new(err),
        }
    }

    pub async fn get(&self, name: &str) -> Result<CompanyScan, Error> {
        match self.scans().get(name).await {
            Ok(scan) => Ok(scan),
            Err(e) => Err(self.explain("reading", name, e).await),
        }
    }

    /// Lists scans in the namespace, or in all namespaces.
    pub async fn list(&self, all_namespaces: bool) -> Result<Vec<CompanyScan>, Error> {
        let api: Api<CompanyScan> = if all_namespaces {
            Api::all(self.client.clone())
        } else {
            self.scans()
        };
        match api.list(&ListParams::default()).await {
            Ok(list) => Ok(list.items),
            Err(e) if is_not_found(&e) && self.crd_missing().await => Err(Error::CrdMissing),
            Err(e) => Err(Error::Api {
                action: "listing",
                name: "(all)".to_string(),
                namespace: if all_namespaces {
                    "(all namespaces)".to_string()
                } else {
                    self.namespace.clone()
                },
                source: Box::new(e),
            }),
        }
    }

    /// Applies a JSON merge patch to the scan's spec.
    pub async fn patch_spec(
        &self,
        name: &str,
        action: &'static str,
        patch: serde_json::Value,
    ) -> Result<CompanyScan, Error> {
        match self
            .scans()
            .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
        {
            Ok(scan) => Ok(scan),
            Err(e) => Err(self.explain(action, name, e).await),
        }
    }

    /// Raises spec.rescan by one. The patch carries the resourceVersion it
    /// was computed from, so two people rescanning at once raise it twice,
    /// never lose one of the two. A stopped or cancelled scan is set back to
    /// Running in the same change (the only change the CRD allows out of
    /// those states); the old desired state is returned then.
    pub async fn increment_rescan(
        &self,
        name: &str,
    ) -> Result<(i64, i64, Option<DesiredState>), Error> {
        loop {
            let scan = self.get(name).await?;
            let before = scan.spec.rescan;
            // Only once the version has ended: before that, Running would
            // undo a stop or cancel still under way.
            let ended = scan
                .status
                .as_ref()
                .and_then(|s| s.phase)
                .is_some_and(|p| p.is_terminal());
            let final_state = (ended
                && matches!(
                    scan.spec.desired_state,
                    DesiredState::Stopped | DesiredState::Cancelled
                ))
            .then_some(scan.spec.desired_state);
            let mut spec = json!({"rescan": before + 1});
            if final_state.is_some() {
                spec["desiredState"] = json!(DesiredState::Running.as_str());
            }
            let patch = json!({
                "metadata": {"resourceVersion": scan.metadata.resource_version},
                "spec": spec,
            });
            match self
                .scans()
                .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
            {
                Ok(scan) => return Ok((before, scan.spec.rescan, final_state)),
                Err(e) if is_conflict(&e) => continue,
                Err(e) => return Err(self.explain("raising spec.rescan of", name, e).await),
            }
        }
    }
}
