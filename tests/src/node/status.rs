//! The pod status the agent reports, built as a strategic-merge patch for
//! `pods/status` so conditions other components add (DisruptionTarget from
//! the Job controller or eviction) are kept.

use std::collections::BTreeMap;

use serde_json::{Value, json};

pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The state of one container, as the API shows it.
#[derive(Clone, Debug)]
pub(crate) enum State {
    Waiting {
        reason: String,
        message: String,
    },
    Running {
        started_at: String,
    },
    Terminated {
        exit_code: i32,
        signal: Option<i32>,
        reason: String,
        started_at: String,
        finished_at: String,
    },
}

impl State {
    pub(crate) fn waiting(reason: &str, message: impl Into<String>) -> State {
        State::Waiting {
            reason: reason.to_string(),
            message: message.into(),
        }
    }

    /// Always names all three variants, nulling the unused ones, so a
    /// strategic merge replaces the previous state instead of merging into it.
    fn to_json(&self) -> Value {
        let (mut waiting, mut running, mut terminated) = (Value::Null, Value::Null, Value::Null);
        match self {
            State::Waiting { reason, message } => {
                waiting = json!({"reason": reason, "message": message});
            }
            State::Running { started_at } => running = json!({"startedAt": started_at}),
            State::Terminated {
                exit_code,
                signal,
                reason,
                started_at,
                finished_at,
            } => {
                terminated = json!({"exitCode": exit_code, "signal": signal, "reason": reason,
                    "startedAt": started_at, "finishedAt": finished_at,
                    "containerID": "cira-tests://process"});
            }
        }
        json!({"waiting": waiting, "running": running, "terminated": terminated})
    }
}

#[derive(Clone, Debug)]
pub(crate) struct ContainerReport {
    pub name: String,
    pub image: String,
    pub state: State,
    pub last_state: Option<State>,
    pub restart_count: i32,
    pub ready: bool,
}

impl ContainerReport {
    pub(crate) fn new(name: &str, image: &str) -> ContainerReport {
        ContainerReport {
            name: name.to_string(),
            image: image.to_string(),
            state: State::waiting("ContainerCreating", ""),
            last_state: None,
            restart_count: 0,
            ready: false,
        }
    }

    fn to_json(&self) -> Value {
        let running = matches!(self.state, State::Running { .. });
        let last = match &self.last_state {
            Some(s) => s.to_json(),
            None => json!({"waiting": null, "running": null, "terminated": null}),
        };
        json!({
            "name": self.name,
            "image": self.image,
            "imageID": format!("cira-tests://{}", self.image),
            "ready": self.ready,
            "started": running,
            "restartCount": self.restart_count,
            "state": self.state.to_json(),
            "lastState": last,
        })
    }
}

/// Everything the agent reports about one pod.
pub(crate) struct PodReport {
    pub phase: &'static str,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub start_time: String,
    pub initialized: bool,
    pub sandbox_ready: bool,
    pub main: ContainerReport,
    pub init: Vec<ContainerReport>,
    pub disruption: Option<(String, String)>,
    /// condition type -> (status, lastTransitionTime)
    transitions: BTreeMap<&'static str, (bool, String)>,
}

impl PodReport {
    pub(crate) fn new(main: ContainerReport, init: Vec<ContainerReport>) -> PodReport {
        PodReport {
            phase: "Pending",
            reason: None,
            message: None,
            start_time: now(),
            initialized: init.is_empty(),
            sandbox_ready: false,
            main,
            init,
            disruption: None,
            transitions: BTreeMap::new(),
        }
    }

    fn condition(&mut self, type_: &'static str, status: bool, reason: Option<&str>) -> Value {
        let time = match self.transitions.get(type_) {
            Some((old, time)) if *old == status => time.clone(),
            _ => {
                let t = now();
                self.transitions.insert(type_, (status, t.clone()));
                t
            }
        };
        let mut c = json!({"type": type_, "status": if status { "True" } else { "False" },
            "lastProbeTime": null, "lastTransitionTime": time});
        if let Some(reason) = reason {
            c["reason"] = json!(reason);
        }
        c
    }

    pub(crate) fn build_patch(&mut self, uid: &str) -> Value {
        let terminal = matches!(self.phase, "Succeeded" | "Failed");
        let ready = self.main.ready && !terminal;
        let not_ready_reason = if terminal {
            Some("PodCompleted")
        } else if ready {
            None
        } else {
            Some("ContainersNotReady")
        };
        let mut conditions = vec![
            self.condition(
                "PodReadyToStartContainers",
                self.sandbox_ready && !terminal,
                None,
            ),
            self.condition(
                "Initialized",
                self.initialized,
                (!self.initialized).then_some("ContainersNotInitialized"),
            ),
            self.condition("ContainersReady", ready, not_ready_reason),
            self.condition("Ready", ready, not_ready_reason),
            self.condition("PodScheduled", true, None),
        ];
        if let Some((reason, message)) = self.disruption.clone() {
            let mut c = self.condition("DisruptionTarget", true, Some(&reason));
            c["message"] = json!(message);
            conditions.push(c);
        }
        let mut status = json!({
            "phase": self.phase,
            "reason": self.reason,
            "message": self.message,
            "hostIP": "127.0.0.1",
            "hostIPs": [{"ip": "127.0.0.1"}],
            "podIP": "127.0.0.1",
            "podIPs": [{"ip": "127.0.0.1"}],
            "startTime": self.start_time,
            "conditions": conditions,
            "containerStatuses": [self.main.to_json()],
        });
        if !self.init.is_empty() {
            status["initContainerStatuses"] =
                Value::Array(self.init.iter().map(ContainerReport::to_json).collect());
        }
        json!({"metadata": {"uid": uid}, "status": status})
    }
}
