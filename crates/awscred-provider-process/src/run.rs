//! Running the command: platform shell, inherited stdin and stderr, bounded stdout, deadline,
//! and killing everything the command started when the deadline passes.

use std::io;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::process::{Child, Command};
use zeroize::Zeroizing;

/// How long to wait for a killed command to be reaped before leaving it to tokio's orphan reaper.
const REAP_GRACE: Duration = Duration::from_secs(2);

/// What the command did.
pub(crate) struct Finished {
    pub(crate) status: ExitStatus,
    pub(crate) stdout: Zeroizing<Vec<u8>>,
}

/// Why running the command failed.
#[derive(Debug)]
pub(crate) enum RunError {
    /// The shell could not be started.
    Spawn(io::Error),
    /// Reading stdout or waiting for the exit failed.
    Io(io::Error),
    /// More than the limit was written to stdout.
    TooLarge,
    /// The deadline passed.
    TimedOut,
}

/// Runs `command` through the platform shell and collects at most `max_output` bytes of stdout.
///
/// With `own_group` (Unix only), the shell is the leader of a new process group, and the whole
/// group is killed when the deadline passes, the output is too large, reading fails, or the
/// returned future is dropped early. Otherwise only the shell itself is killed.
pub(crate) async fn run(
    command: &str,
    env: &[(String, String)],
    own_group: bool,
    timeout: Duration,
    max_output: usize,
) -> Result<Finished, RunError> {
    let mut cmd = shell(command);
    cmd.envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    #[cfg(unix)]
    if own_group {
        cmd.process_group(0);
    }
    let child = cmd.spawn().map_err(RunError::Spawn)?;
    let mut running = Running::new(child, own_group);
    let Some(stdout) = running.child.stdout.take() else {
        running.kill_and_reap().await;
        return Err(RunError::Io(io::Error::other("stdout was not captured")));
    };
    let limit = u64::try_from(max_output)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    let work = async {
        let mut buf = Zeroizing::new(Vec::with_capacity(max_output.min(16 * 1024)));
        stdout
            .take(limit)
            .read_to_end(&mut buf)
            .await
            .map_err(RunError::Io)?;
        if buf.len() > max_output {
            return Err(RunError::TooLarge);
        }
        let status = running.child.wait().await.map_err(RunError::Io)?;
        Ok(Finished {
            status,
            stdout: buf,
        })
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(Ok(finished)) => {
            running.reaped = true;
            Ok(finished)
        }
        Ok(Err(e)) => {
            running.kill_and_reap().await;
            Err(e)
        }
        Err(_elapsed) => {
            running.kill_and_reap().await;
            Err(RunError::TimedOut)
        }
    }
}

#[cfg(unix)]
fn shell(command: &str) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(command);
    cmd
}

#[cfg(windows)]
fn shell(command: &str) -> Command {
    // `/s` makes cmd strip exactly the outer quotes and run the rest verbatim, so the command's
    // own quotes survive; `/d` skips AutoRun commands, whose output would corrupt the JSON.
    // `raw_arg` keeps Rust's argument quoting (meant for the C runtime, not cmd) out of it.
    let mut cmd = Command::new("cmd.exe");
    cmd.raw_arg(format!("/d /s /c \"{command}\""));
    cmd
}

#[cfg(not(any(unix, windows)))]
fn shell(command: &str) -> Command {
    // No known shell: run the command line as a program name, which fails clearly for anything
    // with arguments.
    Command::new(command)
}

/// A started command that is killed (with its process group) unless it was reaped normally.
struct Running {
    child: Child,
    /// The process group to kill: the shell's pid, taken before the shell can be reaped, so the
    /// id cannot have been reused while the group leader is unreaped.
    #[cfg(unix)]
    group: Option<rustix::process::Pid>,
    reaped: bool,
}

impl Running {
    fn new(child: Child, own_group: bool) -> Self {
        #[cfg(unix)]
        let group = own_group
            .then(|| child.id())
            .flatten()
            .and_then(|id| i32::try_from(id).ok())
            .and_then(rustix::process::Pid::from_raw);
        #[cfg(not(unix))]
        let _ = own_group;
        Self {
            child,
            #[cfg(unix)]
            group,
            reaped: false,
        }
    }

    /// Sends SIGKILL to the whole group (if any) and to the shell; errors (the group or the
    /// process is already gone) are of no interest.
    fn kill(&mut self) {
        #[cfg(unix)]
        if let Some(group) = self.group {
            let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        }
        let _ = self.child.start_kill();
    }

    async fn kill_and_reap(&mut self) {
        self.kill();
        let _ = tokio::time::timeout(REAP_GRACE, self.child.wait()).await;
        // Whether or not the wait finished, never signal this group again: once the leader is
        // reaped its id may be reused. `kill_on_drop` and tokio's orphan reaper do the rest.
        self.reaped = true;
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // The caller's future was dropped mid-run (an outer timeout, a cancelled task).
        if !self.reaped {
            self.kill();
        }
    }
}
