//! The real STS peer: `moto_server` (PyPI `moto[server]`), in a venv under `target/`.
//!
//! Two servers on free 127.0.0.1 ports: one seeded by `fixtures/moto/moto_setup.py` and then
//! switched to IAM/SigV4 enforcement (an independent SigV4 verifier: botocore's own signer), and
//! one left open for unsigned calls (`AssumeRoleWithWebIdentity`). See
//! `shared/docs/moto-as-test-server.md` for why two. Dropping [`Moto`] stops both.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::workspace_root;

/// Pinned: moto's routing and auth internals change between releases.
const MOTO: &str = "moto[server]==5.2.5";

/// botocore's `crt` extra at the version botocore 1.44.8 pins: its `LoginProvider` (console
/// sign-in, `login_session`) needs it for the DPoP key, and the login interop tests use it.
const CRT: &str = "awscrt==0.38.0";

pub(crate) struct Moto {
    children: Vec<Child>,
    /// Variables the tests read: `AWSCRED_MOTO_ENDPOINT`, `AWSCRED_MOTO_OPEN_ENDPOINT`, and the
    /// seeded user's keys and role ARNs (`MOTO_AK`, `MOTO_SK`, `MOTO_ROLE_*`).
    pub(crate) env: Vec<(String, String)>,
}

impl Drop for Moto {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub(crate) fn start() -> Result<Moto, String> {
    let venv = workspace_root().join("target/moto-venv");
    ensure_venv(&venv)?;
    let mut moto = Moto {
        children: Vec::new(),
        env: Vec::new(),
    };
    let enforced = spawn_server(&venv, &mut moto)?;
    let open = spawn_server(&venv, &mut moto)?;
    let seed = Command::new(venv.join("bin/python"))
        .arg(workspace_root().join("fixtures/moto/moto_setup.py"))
        .arg(&enforced)
        .output()
        .map_err(|e| format!("running moto_setup.py: {e}"))?;
    if !seed.status.success() {
        return Err(format!(
            "moto_setup.py failed: {}",
            String::from_utf8_lossy(&seed.stderr)
        ));
    }
    for line in String::from_utf8_lossy(&seed.stdout).lines() {
        if let Some((k, v)) = line
            .strip_prefix("export ")
            .and_then(|kv| kv.split_once('='))
        {
            moto.env.push((k.to_owned(), v.to_owned()));
        }
    }
    moto.env
        .push(("AWSCRED_MOTO_ENDPOINT".into(), enforced.clone()));
    moto.env
        .push(("AWSCRED_MOTO_OPEN_ENDPOINT".into(), open.clone()));
    eprintln!("xtask: moto_server enforcing SigV4 at {enforced}, open at {open}");
    Ok(moto)
}

fn ensure_venv(venv: &Path) -> Result<(), String> {
    ensure_moto(venv)?;
    // Added to an existing venv on its own, so venvs made before it need no rebuild.
    let marker = venv.join(".awscred-crt");
    if std::fs::read_to_string(&marker).is_ok_and(|m| m == CRT) {
        return Ok(());
    }
    pip_install(venv, CRT)?;
    std::fs::write(&marker, CRT).map_err(|e| format!("writing {}: {e}", marker.display()))
}

fn pip_install(venv: &Path, package: &str) -> Result<(), String> {
    let ok = Command::new(venv.join("bin/python"))
        .args([
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            package,
        ])
        .status()
        .map_err(|e| format!("pip install: {e}"))?
        .success();
    if ok {
        Ok(())
    } else {
        Err(format!("pip install {package} failed"))
    }
}

fn ensure_moto(venv: &Path) -> Result<(), String> {
    let marker = venv.join(".awscred-installed");
    if std::fs::read_to_string(&marker).is_ok_and(|m| m == MOTO) {
        return Ok(());
    }
    eprintln!(
        "xtask: creating the moto venv in {} (once) …",
        venv.display()
    );
    let python = ["python3", "python"]
        .into_iter()
        .find(|p| {
            Command::new(p)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .ok_or("no python3 on PATH")?;
    let ok = Command::new(python)
        .args(["-m", "venv"])
        .arg(venv)
        .status()
        .map_err(|e| format!("python3 -m venv: {e}"))?
        .success();
    if !ok {
        return Err("python3 -m venv failed".into());
    }
    pip_install(venv, MOTO)?;
    std::fs::write(&marker, MOTO).map_err(|e| format!("writing {}: {e}", marker.display()))
}

fn spawn_server(venv: &Path, moto: &mut Moto) -> Result<String, String> {
    let port = free_port()?;
    let log: PathBuf = venv.join(format!("moto-{port}.log"));
    let log_file = std::fs::File::create(&log).map_err(|e| e.to_string())?;
    let child = Command::new(venv.join("bin/moto_server"))
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::from(
            log_file.try_clone().map_err(|e| e.to_string())?,
        ))
        .stderr(Stdio::from(log_file))
        .spawn()
        .map_err(|e| format!("starting moto_server: {e}"))?;
    moto.children.push(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if ready(port) {
            return Ok(format!("http://127.0.0.1:{port}"));
        }
        if let Some(child) = moto.children.last_mut()
            && let Ok(Some(status)) = child.try_wait()
        {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(format!("moto_server exited ({status}): {text}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!(
        "moto_server on port {port} did not become ready in 30 s (log: {})",
        log.display()
    ))
}

fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("finding a free port: {e}"))?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

fn ready(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let req = format!(
        "GET /moto-api/data.json HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    );
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    s.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.") && &head[9..12] == b"200"
}

/// The value of `name` among the variables [`start`] exported (`AWSCRED_MOTO_ENDPOINT`,
/// `MOTO_AK`, …), if the servers run.
pub(crate) fn var<'a>(env: &'a [(String, String)], name: &str) -> Option<&'a str> {
    env.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}
