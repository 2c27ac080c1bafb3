//! Checkpoints in ConfigMaps, and the scan object every crawler ConfigMap
//! is owned by.

use std::collections::BTreeMap;

use cira_crds::names;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::Api;
use kube::api::{Patch, PatchParams};

use super::cursor::{JournalRead, SlotRead};
use super::format::{self, CheckpointHeader};
use crate::error::{Error, Result};

/// Identity of the scan whose ConfigMaps are written.
#[derive(Debug, Clone)]
pub struct ScanObject {
    pub namespace: String,
    pub name: String,
    pub uid: String,
    pub version: i64,
}

impl ScanObject {
    /// Labels, owner reference and field manager every crawler ConfigMap gets.
    pub fn configmap_meta(&self, name: &str, component: &str) -> ObjectMeta {
        let labels: BTreeMap<String, String> = [
            (names::LABEL_APP_NAME, names::APP_NAME.to_string()),
            (names::LABEL_COMPONENT, component.to_string()),
            (names::LABEL_SCAN, names::scan_label_value(&self.name)),
            (names::LABEL_SCAN_VERSION, self.version.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        ObjectMeta {
            name: Some(name.to_string()),
            namespace: Some(self.namespace.clone()),
            labels: Some(labels),
            owner_references: Some(vec![OwnerReference {
                api_version: "cira.dev/v1alpha1".into(),
                kind: "CompanyScan".into(),
                name: self.name.clone(),
                uid: self.uid.clone(),
                controller: Some(false),
                block_owner_deletion: None,
            }]),
            ..ObjectMeta::default()
        }
    }

    /// Server-side applies a ConfigMap as the crawler.
    pub async fn apply(&self, api: &Api<ConfigMap>, cm: &ConfigMap) -> Result<()> {
        let name = cm.metadata.name.clone().unwrap_or_default();
        let params = PatchParams::apply(names::CRAWLER_FIELD_MANAGER).force();
        api.patch(&name, &params, &Patch::Apply(cm))
            .await
            .map_err(|source| Error::Kube {
                action: "applying ConfigMap",
                name,
                source,
            })?;
        Ok(())
    }
}

/// Checkpoints in ConfigMaps, per the operator/crawler protocol.
pub struct ConfigMapStore {
    api: Api<ConfigMap>,
    scan: String,
    object: ScanObject,
}

impl ConfigMapStore {
    pub fn new(client: kube::Client, object: ScanObject) -> Self {
        Self {
            api: Api::namespaced(client, &object.namespace),
            scan: object.name.clone(),
            object,
        }
    }

    /// The scan the ConfigMaps belong to.
    pub fn object(&self) -> &ScanObject {
        &self.object
    }

    async fn get(&self, name: &str) -> Result<Option<ConfigMap>> {
        self.api.get_opt(name).await.map_err(|source| Error::Kube {
            action: "reading ConfigMap",
            name: name.to_string(),
            source,
        })
    }

    pub(super) async fn read_slot(&self, slot: u64) -> Result<SlotRead> {
        let first_name = names::checkpoint_configmap_name(&self.scan, slot, 0);
        let Some(first) = self.get(&first_name).await? else {
            return Ok(SlotRead::Absent);
        };
        let ann = |cm: &ConfigMap, key: &str| {
            cm.metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(key))
                .cloned()
        };
        let Some(generation) = ann(&first, names::ANNOTATION_GENERATION) else {
            return Ok(SlotRead::Broken(format!(
                "{first_name} has no generation annotation"
            )));
        };
        let chunks: usize = match ann(&first, names::ANNOTATION_CHUNKS).and_then(|c| c.parse().ok())
        {
            Some(c) if (1..=names::MAX_CHECKPOINT_CHUNKS).contains(&c) => c,
            _ => {
                return Ok(SlotRead::Broken(format!(
                    "{first_name} has no valid chunk count"
                )));
            }
        };
        let mut blob = Vec::new();
        for i in 0..chunks {
            let name = names::checkpoint_configmap_name(&self.scan, slot, i);
            let cm = if i == 0 {
                first.clone()
            } else {
                match self.get(&name).await? {
                    Some(cm) => cm,
                    None => return Ok(SlotRead::Broken(format!("chunk {name} is missing"))),
                }
            };
            if ann(&cm, names::ANNOTATION_GENERATION).as_deref() != Some(generation.as_str()) {
                return Ok(SlotRead::Broken(format!(
                    "chunk {name} belongs to another generation (a write was interrupted)"
                )));
            }
            match cm
                .binary_data
                .as_ref()
                .and_then(|d| d.get(names::KEY_CHECKPOINT))
            {
                Some(data) => blob.extend_from_slice(&data.0),
                None => {
                    return Ok(SlotRead::Broken(format!(
                        "chunk {name} has no {}",
                        names::KEY_CHECKPOINT
                    )));
                }
            }
        }
        Ok(SlotRead::Blob(blob))
    }

    pub(super) async fn write_slot(
        &self,
        slot: u64,
        header: &CheckpointHeader,
        blob: Vec<u8>,
    ) -> Result<()> {
        let parts = format::split(&blob, names::CHECKPOINT_CHUNK_BYTES);
        if parts.len() > names::MAX_CHECKPOINT_CHUNKS {
            return Err(Error::CheckpointTooLarge {
                bytes: blob.len(),
                chunks: parts.len(),
                max: names::MAX_CHECKPOINT_CHUNKS,
            });
        }
        let count = parts.len();
        // Chunk 0 names the generation and count readers trust, so it is
        // written last: a write cut short leaves chunks that do not match.
        for i in (0..count).rev() {
            let name = names::checkpoint_configmap_name(&self.scan, slot, i);
            let mut meta = self
                .object
                .configmap_meta(&name, names::COMPONENT_CHECKPOINT);
            meta.annotations = Some(
                [
                    (names::ANNOTATION_GENERATION, header.generation.to_string()),
                    (names::ANNOTATION_CHUNK, i.to_string()),
                    (names::ANNOTATION_CHUNKS, count.to_string()),
                    (names::ANNOTATION_SAVED_AT, header.saved_at.to_rfc3339()),
                    (
                        names::ANNOTATION_PAGES_VISITED,
                        header.pages_visited.to_string(),
                    ),
                    (names::ANNOTATION_BYTES, blob.len().to_string()),
                    (names::ANNOTATION_SHA256, header.sha256.clone()),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            );
            let cm = ConfigMap {
                metadata: meta,
                binary_data: Some(BTreeMap::from([(
                    names::KEY_CHECKPOINT.to_string(),
                    ByteString(parts[i].to_vec()),
                )])),
                ..ConfigMap::default()
            };
            self.object.apply(&self.api, &cm).await?;
        }
        Ok(())
    }

    pub(super) async fn read_journal(&self, slot: u64) -> Result<JournalRead> {
        let name = names::checkpoint_journal_configmap_name(&self.scan, slot);
        let Some(cm) = self.get(&name).await? else {
            return Ok(JournalRead::default());
        };
        let mut records: Vec<(u64, Vec<u8>)> = cm
            .binary_data
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(key, data)| Some((journal_key_generation(&key)?, data.0)))
            .collect();
        records.sort_by_key(|(generation, _)| *generation);
        Ok(JournalRead {
            records: records.into_iter().map(|(_, blob)| blob).collect(),
            torn_tail: false,
        })
    }

    fn patch_params() -> PatchParams {
        PatchParams {
            field_manager: Some(names::CRAWLER_FIELD_MANAGER.to_string()),
            ..PatchParams::default()
        }
    }

    /// Empties the journal of `slot` for the snapshot just written there.
    pub(super) async fn reset_journal(&self, slot: u64, base_generation: u64) -> Result<()> {
        let name = names::checkpoint_journal_configmap_name(&self.scan, slot);
        let mut meta = self
            .object
            .configmap_meta(&name, names::COMPONENT_CHECKPOINT);
        let annotations = BTreeMap::from([(
            names::ANNOTATION_JOURNAL_BASE.to_string(),
            base_generation.to_string(),
        )]);
        // A JSON merge patch: `binaryData: null` drops every record, which
        // a server-side apply would not do for keys added by merge patches.
        let reset = serde_json::json!({
            "metadata": {"labels": meta.labels, "annotations": annotations},
            "binaryData": null,
        });
        match self
            .api
            .patch(&name, &Self::patch_params(), &Patch::Merge(&reset))
            .await
        {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(e)) if e.code == 404 => {
                meta.annotations = Some(annotations);
                let cm = ConfigMap {
                    metadata: meta,
                    ..ConfigMap::default()
                };
                self.object.apply(&self.api, &cm).await
            }
            Err(source) => Err(Error::Kube {
                action: "resetting checkpoint journal",
                name,
                source,
            }),
        }
    }

    /// Adds one record: only the new key travels, whatever the journal
    /// holds already.
    pub(super) async fn append_journal(
        &self,
        slot: u64,
        generation: u64,
        blob: Vec<u8>,
    ) -> Result<()> {
        let name = names::checkpoint_journal_configmap_name(&self.scan, slot);
        let patch = serde_json::json!({
            "binaryData": {journal_key(generation): ByteString(blob)},
        });
        self.api
            .patch(&name, &Self::patch_params(), &Patch::Merge(&patch))
            .await
            .map_err(|source| Error::Kube {
                action: "appending to checkpoint journal",
                name,
                source,
            })?;
        Ok(())
    }
}

/// The data key of one journal record in a ConfigMap.
pub(super) fn journal_key(generation: u64) -> String {
    format!("r{generation}")
}

pub(super) fn journal_key_generation(key: &str) -> Option<u64> {
    key.strip_prefix('r')?.parse().ok()
}
