//! The controlling terminal, for prompts: a device, not configuration, so it sits outside the
//! seams (the one exception `docs/ARCHITECTURE.md` names).

use std::io;

use zeroize::Zeroizing;

/// Writes `prompt` to the controlling terminal (`/dev/tty`) and reads one line from it with
/// echo off (at most 4 KiB; the line ending is kept). `None` when there is no controlling
/// terminal (or off Unix), so callers choose their fallback; the terminal's settings are
/// restored whatever happens.
pub fn read_without_echo(prompt: &str) -> io::Result<Option<Zeroizing<String>>> {
    imp::read_without_echo(prompt)
}

#[cfg(unix)]
mod imp {
    use std::io::{self, BufRead, BufReader, Read, Write};

    use rustix::termios::{self, LocalModes, OptionalActions};
    use zeroize::Zeroizing;

    pub(super) fn read_without_echo(prompt: &str) -> io::Result<Option<Zeroizing<String>>> {
        #[allow(
            clippy::disallowed_methods,
            reason = "the controlling terminal is a device, not configuration on disk"
        )]
        let Ok(file) = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
        else {
            return Ok(None);
        };
        let saved = termios::tcgetattr(&file)?;
        let mut quiet = saved.clone();
        quiet.local_modes.remove(LocalModes::ECHO);
        quiet.local_modes.insert(LocalModes::ECHONL);
        termios::tcsetattr(&file, OptionalActions::Now, &quiet)?;
        let result = (|| {
            let mut out = &file;
            out.write_all(prompt.as_bytes())?;
            out.flush()?;
            let mut line = Zeroizing::new(String::new());
            BufReader::new(&file).take(4096).read_line(&mut line)?;
            Ok(line)
        })();
        termios::tcsetattr(&file, OptionalActions::Now, &saved)?;
        result.map(Some)
    }
}

#[cfg(not(unix))]
mod imp {
    use std::io;

    use zeroize::Zeroizing;

    pub(super) fn read_without_echo(_prompt: &str) -> io::Result<Option<Zeroizing<String>>> {
        Ok(None)
    }
}
