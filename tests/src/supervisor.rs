//! Process hygiene: every process the env starts (control plane and pods)
//! joins one process group led by a small watchdog shell. The watchdog reads
//! a pipe whose only writer is the test process; when the test process exits
//! for any reason (normal exit without static destructors, panic, SIGKILL),
//! the pipe reaches end-of-file and the watchdog kills the whole group and
//! deletes the env folder. `PR_SET_PDEATHSIG` is not used: it fires when the
//! spawning *thread* exits, which tokio worker threads do.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;

use crate::Error;
use crate::workspace::tail;

/// The watchdog: block until stdin closes, then (from a new session, so it is
/// not killed along with the group it leads) kill the group and remove the
/// env folder.
const WATCHDOG_SCRIPT: &str = r#"
while read -r _; do :; done
exec setsid -f /bin/sh -c 'kill -9 -"$1" 2>/dev/null; rm -rf -- "$2"' sh "$$" "$1"
"#;

pub(crate) struct Supervisor {
    pgid: i32,
    dir: PathBuf,
    watchdog: Mutex<Option<Child>>,
    watchdog_stdin: Mutex<Option<ChildStdin>>,
    children: Mutex<Vec<(String, Child, PathBuf)>>,
}

impl Supervisor {
    /// Starts the watchdog for `dir` (which it deletes on teardown).
    pub(crate) fn start(dir: &Path) -> Result<Supervisor, Error> {
        use std::os::unix::process::CommandExt;
        let mut watchdog = Command::new("/bin/sh")
            .arg("-c")
            .arg(WATCHDOG_SCRIPT)
            .arg("cira-tests-watchdog")
            .arg(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(Error::io("could not start the watchdog shell"))?;
        let stdin = watchdog.stdin.take();
        let pgid = i32::try_from(watchdog.id()).map_err(|_| Error::Config {
            what: "watchdog".into(),
            reason: "process id does not fit a pid_t".into(),
        })?;
        Ok(Supervisor {
            pgid,
            dir: dir.to_path_buf(),
            watchdog: Mutex::new(Some(watchdog)),
            watchdog_stdin: Mutex::new(stdin),
            children: Mutex::new(Vec::new()),
        })
    }

    /// The process group every env process joins.
    pub(crate) fn pgid(&self) -> i32 {
        self.pgid
    }

    /// Starts a control-plane process in the group, its output going to `log`.
    pub(crate) fn spawn(&self, name: &str, cmd: &mut Command, log: &Path) -> Result<u32, Error> {
        use std::os::unix::process::CommandExt;
        let out =
            File::create(log).map_err(Error::io(format!("could not create {}", log.display())))?;
        let err = out
            .try_clone()
            .map_err(Error::io(format!("could not reopen {}", log.display())))?;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(self.pgid)
            .spawn()
            .map_err(Error::io(format!("could not start {name}")))?;
        let pid = child.id();
        tracing::debug!(process = name, pid, "started");
        lock(&self.children).push((name.to_string(), child, log.to_path_buf()));
        Ok(pid)
    }

    /// Fails with the log tail if any control-plane process has exited.
    pub(crate) fn check_alive(&self) -> Result<(), Error> {
        let mut children = lock(&self.children);
        for (name, child, log) in children.iter_mut() {
            if let Ok(Some(status)) = child.try_wait() {
                let log_text = std::fs::read_to_string(&*log).unwrap_or_default();
                return Err(Error::ProcessExited {
                    process: name.clone(),
                    status: status.to_string(),
                    log_tail: tail(&log_text, 25),
                });
            }
        }
        Ok(())
    }

    /// Process ids of the watchdog and the control-plane processes.
    pub(crate) fn pids(&self) -> Vec<u32> {
        let mut pids: Vec<u32> = lock(&self.children)
            .iter()
            .map(|(_, c, _)| c.id())
            .collect();
        if let Some(w) = lock(&self.watchdog).as_ref() {
            pids.push(w.id());
        }
        pids
    }

    /// Kills the group, reaps the direct children and deletes the env folder.
    #[allow(unsafe_code)]
    pub(crate) fn teardown(&self) {
        // SAFETY: kill(2) with a negative pid signals our own process group;
        // it has no memory-safety preconditions.
        unsafe {
            libc::kill(-self.pgid, libc::SIGKILL);
        }
        for (name, mut child, _) in lock(&self.children).drain(..) {
            let _ = child.kill();
            if let Err(error) = child.wait() {
                tracing::warn!(process = name, %error, "could not reap");
            }
        }
        lock(&self.watchdog_stdin).take();
        if let Some(mut w) = lock(&self.watchdog).take() {
            let _ = w.kill();
            let _ = w.wait();
        }
        if let Err(error) = std::fs::remove_dir_all(&self.dir)
            && error.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(dir = %self.dir.display(), %error, "could not remove the env folder");
        }
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poison| poison.into_inner())
}
