//! Checkpoints in ConfigMaps, and the scan object every crawler ConfigMap
//! belongs to.
//!
//! The crawler never creates a ConfigMap: the operator creates every one it
//! writes (progress, report, checkpoint chunks and journals, see
//! `names::crawler_configmap_names`) before starting it, owned by the scan,
//! and the crawler's Role grants only `get` and `patch` on those names. So
//! every write here is a JSON merge patch of an existing object, and a
//! missing one is [`Error::ConfigMapMissing`], never a create.

use std::collections::BTreeMap;

use cira_crds::names;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::ConfigMap;
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
    /// Merge-patches an existing ConfigMap as the crawler (field manager
    /// `cira-crawler`). `what` says what the write is, for the error.
    pub async fn patch(
        &self,
        api: &Api<ConfigMap>,
        name: &str,
        what: &'static str,
        patch: &serde_json::Value,
    ) -> Result<()> {
        let params = PatchParams {
            field_manager: Some(names::CRAWLER_FIELD_MANAGER.to_string()),
            ..PatchParams::default()
        };
        match api.patch(name, &params, &Patch::Merge(patch)).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(e)) if e.code == 404 => Err(Error::ConfigMapMissing {
                names: vec![name.to_string()],
            }),
            Err(source) => Err(Error::Kube {
                action: what,
                name: name.to_string(),
                source,
            }),
        }
    }

    /// Fails with [`Error::ConfigMapMissing`] naming every ConfigMap of
    /// `names` that does not exist, so a crawler started without them stops
    /// at once with the reason instead of at its first save.
    pub async fn require_configmaps(&self, api: &Api<ConfigMap>, names: &[String]) -> Result<()> {
        let mut missing = Vec::new();
        for name in names {
            let found = api.get_opt(name).await.map_err(|source| Error::Kube {
                action: "reading ConfigMap",
                name: name.clone(),
                source,
            })?;
            if found.is_none() {
                missing.push(name.clone());
            }
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(Error::ConfigMapMissing { names: missing })
        }
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
        let has_data = first
            .binary_data
            .as_ref()
            .is_some_and(|d| d.contains_key(names::KEY_CHECKPOINT));
        let Some(generation) = ann(&first, names::ANNOTATION_GENERATION) else {
            if !has_data {
                // As the operator created it: no snapshot written here yet.
                return Ok(SlotRead::Absent);
            }
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
            let annotations: BTreeMap<&str, String> = BTreeMap::from([
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
            ]);
            let patch = serde_json::json!({
                "metadata": {"annotations": annotations},
                "binaryData": {names::KEY_CHECKPOINT: ByteString(parts[i].to_vec())},
            });
            self.object
                .patch(&self.api, &name, "writing checkpoint chunk", &patch)
                .await?;
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

    /// Empties the journal of `slot` for the snapshot just written there.
    pub(super) async fn reset_journal(&self, slot: u64, base_generation: u64) -> Result<()> {
        let name = names::checkpoint_journal_configmap_name(&self.scan, slot);
        // `binaryData: null` drops every record.
        let reset = serde_json::json!({
            "metadata": {"annotations": {
                names::ANNOTATION_JOURNAL_BASE: base_generation.to_string(),
            }},
            "binaryData": null,
        });
        self.object
            .patch(&self.api, &name, "resetting checkpoint journal", &reset)
            .await
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
        self.object
            .patch(&self.api, &name, "appending to checkpoint journal", &patch)
            .await
    }
}

/// The data key of one journal record in a ConfigMap.
pub(super) fn journal_key(generation: u64) -> String {
    format!("r{generation}")
}

pub(super) fn journal_key_generation(key: &str) -> Option<u64> {
    key.strip_prefix('r')?.parse().ok()
}
