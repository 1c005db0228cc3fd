use std::fmt;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What a file read through [`Fs::read`] is for, which sets the most it may hold.
///
/// The limits are far above any real file of the kind and far below what hurts the process:
/// `/dev/zero` or a runaway log renamed to a config file ends in an error naming the file, not
/// in memory running out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReadCap {
    /// The shared config and credentials files and the boto2 config: 16 MiB (a file with ten
    /// thousand profiles is about 2 MiB).
    Config,
    /// A PEM CA bundle: 8 MiB (the full Mozilla bundle is about 220 KiB).
    CaBundle,
    /// A web identity token or container authorization token: 64 KiB (an EKS service-account
    /// token is about 1 KiB, and a header value over 16 KiB is refused by most servers).
    Token,
    /// An AWS CLI (`~/.aws/cli/cache`) or SSO (`~/.aws/sso/cache`) cache entry: 64 KiB (real
    /// entries are 1–4 KiB).
    CacheEntry,
}

impl ReadCap {
    /// The largest file of this kind [`Fs::read`] returns, in bytes.
    pub const fn limit(self) -> u64 {
        match self {
            Self::Config => 16 << 20,
            Self::CaBundle => 8 << 20,
            Self::Token | Self::CacheEntry => 64 << 10,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Config => "a config file",
            Self::CaBundle => "a CA bundle",
            Self::Token => "a token file",
            Self::CacheEntry => "a cache entry",
        }
    }
}

/// Why [`Fs::read`] refused a path that exists; the inner error of its `io::Error`
/// (see [`Refused::of`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refused {
    /// Not a regular file: a folder, FIFO, socket or device (`io::ErrorKind::IsADirectory` for
    /// a folder, `InvalidInput` for the others). botocore's `os.path.isfile` check sees these
    /// as missing files.
    NotAFile(&'static str),
    /// Larger than the [`ReadCap::limit`] of its kind (`io::ErrorKind::FileTooLarge`).
    TooLarge(ReadCap),
}

impl Refused {
    /// The refusal inside `err`, if [`Fs::read`] refused the file.
    pub fn of(err: &io::Error) -> Option<Self> {
        err.get_ref()?.downcast_ref::<Self>().copied()
    }

    /// Whether `err` says the path is not a regular file (a folder, FIFO, socket or device),
    /// from [`Fs::read`] or as a plain `IsADirectory` error.
    pub fn is_not_a_file(err: &io::Error) -> bool {
        err.kind() == io::ErrorKind::IsADirectory
            || matches!(Self::of(err), Some(Self::NotAFile(_)))
    }

    /// The `io::Error` carrying this refusal.
    pub fn into_io(self) -> io::Error {
        let kind = match self {
            Self::NotAFile("a folder") => io::ErrorKind::IsADirectory,
            Self::NotAFile(_) => io::ErrorKind::InvalidInput,
            Self::TooLarge(_) => io::ErrorKind::FileTooLarge,
        };
        io::Error::new(kind, self)
    }
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAFile(what) => write!(f, "is {what}, not a regular file"),
            Self::TooLarge(kind) => write!(
                f,
                "is larger than {} KiB, the limit for {}",
                kind.limit() >> 10,
                kind.describe()
            ),
        }
    }
}

impl std::error::Error for Refused {}

/// The file system, as a seam.
///
/// Credential files are small, so the calls are synchronous. Provider code reads and writes
/// files only through this trait, so tests give each case its own files (`MemFs`, feature `test-util`).
pub trait Fs: Send + Sync + fmt::Debug {
    /// The whole contents of the regular file `path`, at most `kind.limit()` bytes.
    ///
    /// A missing file is an `io::ErrorKind::NotFound` error. A folder, FIFO, socket or device
    /// is refused without waiting on it, and so is a file over the limit; the error's inner
    /// value is a [`Refused`].
    fn read(&self, path: &Path, kind: ReadCap) -> io::Result<Vec<u8>>;

    /// Replaces `path` atomically: readers see the old contents or the new, never a mix.
    ///
    /// The file gets permission bits `mode` (Unix). Missing parent folders are created with
    /// mode `0o700`. Implementations write a temporary file beside `path` and rename it.
    fn write_atomic(&self, path: &Path, contents: &[u8], mode: u32) -> io::Result<()>;

    /// Removes `path`. A missing file is an `io::ErrorKind::NotFound` error.
    fn remove(&self, path: &Path) -> io::Result<()>;

    /// The files directly inside `dir`, sorted. A missing folder is `NotFound`.
    fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>>;

    /// The Unix permission bits of `path` (`None` where the platform has none).
    fn mode(&self, path: &Path) -> io::Result<Option<u32>>;

    /// Whether `path` belongs to the user this process runs as (its effective user id); `None`
    /// where the platform, or this `Fs`, knows no owners. A missing file is `NotFound`.
    fn owned_by_current_user(&self, path: &Path) -> io::Result<Option<bool>> {
        let _ = path;
        Ok(None)
    }

    /// Takes an exclusive lock on `path` (created, with its folders, if missing), waiting at most
    /// `wait` for it to be free; a lock still held then is an [`io::ErrorKind::TimedOut`] error.
    /// The lock is released when the returned guard is dropped. On [`OsFs`] this is an advisory
    /// lock shared with other processes.
    fn lock(&self, path: &Path, wait: Duration) -> io::Result<FsLock>;
}

/// A shared file-system seam.
pub type SharedFs = Arc<dyn Fs>;

/// An exclusive lock from [`Fs::lock`]; released on drop.
pub struct FsLock {
    _guard: Box<dyn Send + Sync>,
}

impl FsLock {
    /// Wraps whatever value holds the lock until it is dropped.
    pub fn new(guard: impl Send + Sync + 'static) -> Self {
        Self {
            _guard: Box::new(guard),
        }
    }
}

impl fmt::Debug for FsLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("FsLock")
    }
}

/// The real file system.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsFs;

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

#[allow(clippy::disallowed_methods, reason = "this is the Fs seam itself")]
impl Fs for OsFs {
    fn read(&self, path: &Path, kind: ReadCap) -> io::Result<Vec<u8>> {
        // The type from the path first, so a FIFO or a device is not even opened; then again
        // from the opened handle, in case the path changed in between. O_NONBLOCK keeps the
        // open itself from waiting for a FIFO's writer in that window.
        regular(&std::fs::metadata(path)?)?;
        let mut options = std::fs::OpenOptions::new();
        options.read(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
        let file = options.open(path)?;
        let meta = file.metadata()?;
        regular(&meta)?;
        let limit = kind.limit();
        if meta.len() > limit {
            return Err(Refused::TooLarge(kind).into_io());
        }
        // The size can change after the check (a file still being written): read one byte past
        // the limit at most.
        let mut contents = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
        file.take(limit + 1).read_to_end(&mut contents)?;
        if contents.len() as u64 > limit {
            return Err(Refused::TooLarge(kind).into_io());
        }
        Ok(contents)
    }

    fn write_atomic(&self, path: &Path, contents: &[u8], mode: u32) -> io::Result<()> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        create_private_dir(dir)?;
        let name = path
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?;
        let tmp = dir.join(format!(
            ".{}.{}.{}.tmp",
            name.to_string_lossy(),
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let result = (|| {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
            #[cfg(not(unix))]
            let _ = mode;
            let mut file = options.open(&tmp)?;
            file.write_all(contents)?;
            file.sync_all()?;
            drop(file);
            std::fs::rename(&tmp, path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        std::fs::remove_file(path)
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                out.push(entry.path());
            }
        }
        out.sort();
        Ok(out)
    }

    fn mode(&self, path: &Path) -> io::Result<Option<u32>> {
        let meta = std::fs::metadata(path)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            Ok(Some(meta.permissions().mode() & 0o7777))
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            Ok(None)
        }
    }

    fn owned_by_current_user(&self, path: &Path) -> io::Result<Option<bool>> {
        let meta = std::fs::metadata(path)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Ok(Some(meta.uid() == rustix::process::geteuid().as_raw()))
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            Ok(None)
        }
    }

    fn lock(&self, path: &Path, wait: Duration) -> io::Result<FsLock> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(path)?;
        // `flock` has no time limit of its own: try, then sleep a little longer each time (10 ms
        // up to 100 ms) until the deadline.
        let deadline = Instant::now() + wait;
        let mut pause = Duration::from_millis(10);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(FsLock::new(file)),
                Err(std::fs::TryLockError::WouldBlock) => {}
                Err(std::fs::TryLockError::Error(e)) => return Err(e),
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(lock_timed_out(path, wait));
            }
            std::thread::sleep(pause.min(deadline - now));
            pause = (pause * 2).min(Duration::from_millis(100));
        }
    }
}

/// The error of a lock still held by someone else after `wait`.
fn lock_timed_out(path: &Path, wait: Duration) -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!(
            "{} is still locked by another process after {} s",
            path.display(),
            wait.as_secs_f32()
        ),
    )
}

/// `Ok` for a regular file, else the [`Refused::NotAFile`] error naming what it is.
fn regular(meta: &std::fs::Metadata) -> io::Result<()> {
    let kind = meta.file_type();
    if kind.is_file() {
        return Ok(());
    }
    let what = if kind.is_dir() {
        "a folder"
    } else {
        special_kind(&kind)
    };
    Err(Refused::NotAFile(what).into_io())
}

#[cfg(unix)]
fn special_kind(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "a special file"
}

#[allow(clippy::disallowed_methods, reason = "this is the Fs seam itself")]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

#[cfg(any(test, feature = "test-util"))]
pub use fake::MemFs;

#[cfg(any(test, feature = "test-util"))]
mod fake {
    use super::*;
    use std::collections::{HashMap, HashSet};
    use std::sync::{Condvar, Mutex, PoisonError};

    /// An in-memory file system for tests. Clones share the same files.
    #[derive(Clone, Default)]
    pub struct MemFs {
        state: Arc<MemState>,
    }

    #[derive(Default)]
    struct MemState {
        files: Mutex<HashMap<PathBuf, (Vec<u8>, u32)>>,
        foreign: Mutex<HashSet<PathBuf>>,
        locked: Mutex<HashSet<PathBuf>>,
        unlocked: Condvar,
    }

    impl MemFs {
        /// An empty file system.
        pub fn new() -> Self {
            Self::default()
        }

        /// Adds a file with mode `0o644` (builder form).
        pub fn with_file(self, path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) -> Self {
            self.insert(path, contents);
            self
        }

        /// Adds or replaces a file with mode `0o644`.
        pub fn insert(&self, path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) {
            self.files().insert(path.into(), (contents.into(), 0o644));
        }

        /// Adds or replaces a file with mode `0o600` that belongs to another user (see
        /// [`Fs::owned_by_current_user`]); every other file is the current user's.
        pub fn insert_foreign(&self, path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) {
            let path = path.into();
            self.files().insert(path.clone(), (contents.into(), 0o600));
            self.state
                .foreign
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(path);
        }

        /// The contents of a file, if present.
        pub fn get(&self, path: impl AsRef<Path>) -> Option<Vec<u8>> {
            self.files().get(path.as_ref()).map(|(c, _)| c.clone())
        }

        fn files(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, (Vec<u8>, u32)>> {
            self.state
                .files
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
        }
    }

    fn not_found(path: &Path) -> io::Error {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("{}: no such file", path.display()),
        )
    }

    impl Fs for MemFs {
        fn read(&self, path: &Path, kind: ReadCap) -> io::Result<Vec<u8>> {
            let contents = self.get(path).ok_or_else(|| not_found(path))?;
            if contents.len() as u64 > kind.limit() {
                return Err(Refused::TooLarge(kind).into_io());
            }
            Ok(contents)
        }

        fn write_atomic(&self, path: &Path, contents: &[u8], mode: u32) -> io::Result<()> {
            self.files()
                .insert(path.to_path_buf(), (contents.to_vec(), mode));
            // The renamed-in file is the writer's, as on a real file system.
            self.state
                .foreign
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(path);
            Ok(())
        }

        fn remove(&self, path: &Path) -> io::Result<()> {
            self.files()
                .remove(path)
                .map(|_| ())
                .ok_or_else(|| not_found(path))
        }

        fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
            let mut out: Vec<_> = self
                .files()
                .keys()
                .filter(|p| p.parent() == Some(dir))
                .cloned()
                .collect();
            if out.is_empty() {
                return Err(not_found(dir));
            }
            out.sort();
            Ok(out)
        }

        fn mode(&self, path: &Path) -> io::Result<Option<u32>> {
            self.files()
                .get(path)
                .map(|(_, m)| Some(*m))
                .ok_or_else(|| not_found(path))
        }

        fn owned_by_current_user(&self, path: &Path) -> io::Result<Option<bool>> {
            if !self.files().contains_key(path) {
                return Err(not_found(path));
            }
            let foreign = self
                .state
                .foreign
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            Ok(Some(!foreign.contains(path)))
        }

        fn lock(&self, path: &Path, wait: Duration) -> io::Result<FsLock> {
            struct Release(Arc<MemState>, PathBuf);
            impl Drop for Release {
                fn drop(&mut self) {
                    self.0
                        .locked
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .remove(&self.1);
                    self.0.unlocked.notify_all();
                }
            }
            let mut locked = self
                .state
                .locked
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let deadline = Instant::now() + wait;
            while locked.contains(path) {
                let now = Instant::now();
                if now >= deadline {
                    return Err(lock_timed_out(path, wait));
                }
                locked = self
                    .state
                    .unlocked
                    .wait_timeout(locked, deadline - now)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            locked.insert(path.to_path_buf());
            Ok(FsLock::new(Release(self.state.clone(), path.to_path_buf())))
        }
    }

    impl fmt::Debug for MemFs {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            let mut paths: Vec<_> = self.files().keys().cloned().collect();
            paths.sort();
            f.debug_struct("MemFs").field("paths", &paths).finish()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memfs_roundtrip_and_not_found() {
        let fs = MemFs::new().with_file("/a/b", "hello");
        assert_eq!(
            fs.read(Path::new("/a/b"), ReadCap::Config).unwrap(),
            b"hello"
        );
        assert_eq!(
            fs.read(Path::new("/a/c"), ReadCap::Config)
                .unwrap_err()
                .kind(),
            io::ErrorKind::NotFound
        );
        fs.write_atomic(Path::new("/a/c"), b"x", 0o600).unwrap();
        assert_eq!(fs.mode(Path::new("/a/c")).unwrap(), Some(0o600));
        assert_eq!(fs.list(Path::new("/a")).unwrap().len(), 2);
        fs.remove(Path::new("/a/b")).unwrap();
        assert!(fs.remove(Path::new("/a/b")).is_err());
    }

    #[test]
    fn memfs_lock_is_exclusive_and_its_wait_is_bounded() {
        let fs = MemFs::new();
        let long = Duration::from_secs(60);
        let guard = fs.lock(Path::new("/l"), long).unwrap();
        let started = Instant::now();
        let err = fs
            .lock(Path::new("/l"), Duration::from_millis(100))
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(5));
        let fs2 = fs.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let t = std::thread::spawn(move || {
            let _g = fs2.lock(Path::new("/l"), long).unwrap();
            tx.send(()).unwrap();
        });
        assert!(
            rx.recv_timeout(std::time::Duration::from_millis(50))
                .is_err()
        );
        drop(guard);
        rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
        t.join().unwrap();
    }

    #[test]
    fn memfs_keeps_the_caps() {
        let fs = MemFs::new().with_file("/t", vec![b'x'; 64 << 10]);
        assert!(fs.read(Path::new("/t"), ReadCap::Token).is_ok());
        fs.insert("/t", vec![b'x'; (64 << 10) + 1]);
        let err = fs.read(Path::new("/t"), ReadCap::Token).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
        assert_eq!(Refused::of(&err), Some(Refused::TooLarge(ReadCap::Token)));
        assert_eq!(
            err.to_string(),
            "is larger than 64 KiB, the limit for a token file"
        );
        assert!(fs.read(Path::new("/t"), ReadCap::Config).is_ok());
    }

    /// A folder, a FIFO nobody writes to, a socket, a device and a file over the cap: each is
    /// refused at once, with what it is.
    #[cfg(unix)]
    #[test]
    #[allow(clippy::disallowed_methods, reason = "test set-up")]
    fn osfs_reads_regular_files_only_and_keeps_the_caps() {
        let dir =
            std::env::temp_dir().join(format!("awscred-types-special-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("folder")).unwrap();
        let fifo = dir.join("fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let _socket = std::os::unix::net::UnixListener::bind(dir.join("socket")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.join("zero")).unwrap();
        let big = std::fs::File::create(dir.join("big")).unwrap();
        big.set_len(ReadCap::CacheEntry.limit() + 1).unwrap();
        std::fs::write(dir.join("ok"), b"ok").unwrap();

        let start = std::time::Instant::now();
        let read = |name: &str| OsFs.read(&dir.join(name), ReadCap::CacheEntry);
        for (name, what) in [
            ("folder", "a folder"),
            ("fifo", "a FIFO"),
            ("socket", "a socket"),
            ("zero", "a device"),
        ] {
            let err = read(name).unwrap_err();
            assert_eq!(Refused::of(&err), Some(Refused::NotAFile(what)), "{name}");
            assert!(Refused::is_not_a_file(&err), "{name}");
            assert_eq!(err.to_string(), format!("is {what}, not a regular file"));
        }
        assert_eq!(
            read("folder").unwrap_err().kind(),
            io::ErrorKind::IsADirectory
        );
        let err = read("big").unwrap_err();
        assert_eq!(
            Refused::of(&err),
            Some(Refused::TooLarge(ReadCap::CacheEntry))
        );
        assert!(!Refused::is_not_a_file(&err));
        assert_eq!(read("missing").unwrap_err().kind(), io::ErrorKind::NotFound);
        assert_eq!(read("ok").unwrap(), b"ok");
        assert!(OsFs.read(&dir.join("big"), ReadCap::Config).is_ok());
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn osfs_write_atomic_sets_modes_and_replaces() {
        let dir = std::env::temp_dir().join(format!("awscred-types-fs-{}", std::process::id()));
        let path = dir.join("sub/cache.json");
        OsFs.write_atomic(&path, b"one", 0o600).unwrap();
        OsFs.write_atomic(&path, b"two", 0o600).unwrap();
        assert_eq!(OsFs.read(&path, ReadCap::CacheEntry).unwrap(), b"two");
        assert_eq!(OsFs.mode(&path).unwrap(), Some(0o600));
        assert_eq!(OsFs.mode(path.parent().unwrap()).unwrap(), Some(0o700));
        assert_eq!(
            OsFs.list(path.parent().unwrap()).unwrap(),
            vec![path.clone()]
        );
        let lock_path = dir.join("sub/cache.lock");
        let lock = OsFs.lock(&lock_path, Duration::from_secs(60)).unwrap();
        // A second open file description is another holder, as another process would be: it
        // waits at most its bound, and gets the lock once the first is gone.
        let started = Instant::now();
        let err = OsFs
            .lock(&lock_path, Duration::from_millis(200))
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(err.to_string().contains("cache.lock"), "{err}");
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(200) && waited < Duration::from_secs(5),
            "{waited:?}"
        );
        drop(lock);
        drop(OsFs.lock(&lock_path, Duration::ZERO).unwrap());
        #[allow(clippy::disallowed_methods, reason = "test clean-up")]
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
