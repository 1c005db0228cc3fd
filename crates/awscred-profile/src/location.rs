//! Where the two profile files are: `AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, `~`.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;

use awscred_types::Env;

/// The platform whose path rules [`locate`] follows.
///
/// It is a parameter rather than `cfg!(windows)` so that the Windows rules can be tested (and the
/// cross-SDK location vectors replayed) on any host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Platform {
    /// Linux, macOS and every other platform that is not Windows: home is `HOME`, the separator
    /// is `/`.
    Linux,
    /// Windows: home is `HOME`, then `USERPROFILE`, then `HOMEDRIVE` + `HOMEPATH`; the separator
    /// is `\`.
    Windows,
}

impl Platform {
    /// The platform this program was built for.
    pub const fn host() -> Self {
        if cfg!(windows) {
            Self::Windows
        } else {
            Self::Linux
        }
    }

    /// The path separator this platform writes.
    pub const fn separator(self) -> char {
        match self {
            Self::Linux => '/',
            Self::Windows => '\\',
        }
    }

    fn is_separator(self, c: char) -> bool {
        c == '/' || (self == Self::Windows && c == '\\')
    }
}

/// Which of the two profile files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    /// The shared config file, `~/.aws/config`: `[default]`, `[profile NAME]`,
    /// `[sso-session NAME]` and `[services NAME]` sections.
    Config,
    /// The shared credentials file, `~/.aws/credentials`: plain `[NAME]` sections.
    Credentials,
}

impl FileKind {
    /// The environment variable that overrides this file's location.
    pub const fn env_var(self) -> &'static str {
        match self {
            Self::Config => "AWS_CONFIG_FILE",
            Self::Credentials => "AWS_SHARED_CREDENTIALS_FILE",
        }
    }

    /// The location used when [`env_var`](Self::env_var) is unset, before `~` is expanded.
    pub const fn default_path(self) -> &'static str {
        match self {
            Self::Config => "~/.aws/config",
            Self::Credentials => "~/.aws/credentials",
        }
    }

    /// How messages name this file: `"AWS config file"` or `"AWS shared credentials file"`.
    pub const fn description(self) -> &'static str {
        match self {
            Self::Config => "AWS config file",
            Self::Credentials => "AWS shared credentials file",
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.description())
    }
}

/// Where one profile file is, and how that was decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileLocation {
    kind: FileKind,
    path: String,
    overridden: bool,
    home_unknown: bool,
}

impl FileLocation {
    /// A location given directly (no environment, no expansion); used for [`Source`]s handed to
    /// [`ProfileSet::parse`](crate::ProfileSet::parse).
    ///
    /// [`Source`]: crate::Source
    pub fn new(kind: FileKind, path: impl Into<String>) -> Self {
        Self {
            kind,
            path: path.into(),
            overridden: false,
            home_unknown: false,
        }
    }

    /// Which file this is.
    pub fn kind(&self) -> FileKind {
        self.kind
    }

    /// The path, after `$VAR` and `~` expansion, with the platform's separators.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The path as a [`Path`], for the [`Fs`](awscred_types::Fs) seam.
    pub fn as_path(&self) -> &Path {
        Path::new(&self.path)
    }

    /// The environment variable that chose this path, or `None` for the default location.
    pub fn overridden_by(&self) -> Option<&'static str> {
        self.overridden.then(|| self.kind.env_var())
    }

    /// `true` when the path starts with `~` but no home folder could be found, so it was left
    /// unexpanded (and the file will almost certainly not be found).
    pub fn home_unknown(&self) -> bool {
        self.home_unknown
    }
}

impl fmt::Display for FileLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.path)
    }
}

/// The locations of both profile files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Locations {
    /// The shared config file.
    pub config: FileLocation,
    /// The shared credentials file.
    pub credentials: FileLocation,
}

/// Finds both profile files as botocore and the AWS SDKs do.
///
/// For each file: the override variable ([`FileKind::env_var`]) if it is set (even to an empty
/// string, as in both botocore and aws-config, which then find no file), else the default
/// (`~/.aws/config`, `~/.aws/credentials`). Then, as botocore's `raw_config_parse` does,
/// environment references are expanded (`$NAME` and `${NAME}`, plus `%NAME%` on Windows; unknown
/// names are left as written), and a leading `~` is replaced by the home folder
/// ([`home_dir`]). The rest of a `~` path is rewritten with the platform's separator, so
/// `~/.aws/config` is `C:\Users\me\.aws\config` on Windows. `~user` forms are left alone.
///
/// Nothing is read from the file system.
pub fn locate(env: &dyn Env, platform: Platform) -> Locations {
    let home = home_dir(env, platform);
    let one = |kind: FileKind| {
        let (raw, overridden) = match env.var(kind.env_var()) {
            Some(path) => (Cow::Owned(path), true),
            None => (Cow::Borrowed(kind.default_path()), false),
        };
        let expanded = expand_vars(&raw, env, platform);
        let (path, home_unknown) = expand_home(&expanded, home.as_deref(), platform);
        FileLocation {
            kind,
            path,
            overridden,
            home_unknown,
        }
    };
    Locations {
        config: one(FileKind::Config),
        credentials: one(FileKind::Credentials),
    }
}

/// The home folder, as the cross-SDK location rules define it.
///
/// `HOME` on every platform; on Windows, then `USERPROFILE`, then `HOMEDRIVE` + `HOMEPATH`
/// (`HOMEDRIVE` may be absent, as in Python's `ntpath.expanduser`). Values are taken as they are:
/// like botocore, an empty `HOME` is a home folder at the root.
pub fn home_dir(env: &dyn Env, platform: Platform) -> Option<String> {
    // `Env::var`, not `Env::get`: botocore and aws-config both take these raw.
    if let Some(home) = env.var("HOME") {
        return Some(home);
    }
    if platform == Platform::Windows {
        if let Some(profile) = env.var("USERPROFILE") {
            return Some(profile);
        }
        if let Some(path) = env.var("HOMEPATH") {
            let mut drive = env.var("HOMEDRIVE").unwrap_or_default();
            drive.push_str(&path);
            return Some(drive);
        }
    }
    None
}

/// `os.path.expanduser(os.path.expandvars(path))`, the treatment botocore gives the profile
/// files and `AWS_LOGIN_CACHE_DIRECTORY`: `$NAME` / `${NAME}` (and `%NAME%` on Windows) first,
/// then a leading `~` (see [`expand_user`]).
pub fn expand_path(path: &str, env: &dyn Env, platform: Platform) -> String {
    expand_user(&expand_vars(path, env, platform), env, platform)
}

/// Python's `os.path.expanduser` for the forms the SDKs use: a leading `~` (alone, or followed
/// by a separator) becomes the home folder ([`home_dir`]); `~user` forms, and any path when no
/// home folder is known, are left as written. No `$VAR` expansion (that is [`locate`]'s extra
/// step for the profile files).
pub fn expand_user(path: &str, env: &dyn Env, platform: Platform) -> String {
    expand_home(path, home_dir(env, platform).as_deref(), platform).0
}

/// Replaces a leading `~` (alone, or followed by a separator) with `home`.
///
/// Returns the path and whether a needed home folder was missing.
fn expand_home(path: &str, home: Option<&str>, platform: Platform) -> (String, bool) {
    let Some(rest) = path.strip_prefix('~') else {
        return (path.to_owned(), false);
    };
    if rest
        .chars()
        .next()
        .is_some_and(|c| !platform.is_separator(c))
    {
        // `~user/...`: another user's home, which only the password database knows.
        return (path.to_owned(), false);
    }
    let Some(home) = home else {
        return (path.to_owned(), true);
    };
    let home = home.trim_end_matches(|c| platform.is_separator(c));
    let mut out = String::with_capacity(home.len() + rest.len());
    out.push_str(home);
    out.extend(rest.chars().map(|c| {
        if platform.is_separator(c) {
            platform.separator()
        } else {
            c
        }
    }));
    if out.is_empty() {
        // botocore: `(userhome + path[i:]) or root`.
        out.push(platform.separator());
    }
    (out, false)
}

/// Python's `os.path.expandvars`: `posixpath` rules on Linux, `ntpath` rules on Windows.
fn expand_vars<'a>(path: &'a str, env: &dyn Env, platform: Platform) -> Cow<'a, str> {
    match platform {
        Platform::Linux if path.contains('$') => Cow::Owned(expand_vars_posix(path, env)),
        Platform::Windows if path.contains(['$', '%']) => Cow::Owned(expand_vars_nt(path, env)),
        _ => Cow::Borrowed(path),
    }
}

/// `posixpath.expandvars`: `$name` (`name` = ASCII letters, digits, `_`) and `${anything}`;
/// unknown names stay as written.
fn expand_vars_posix(path: &str, env: &dyn Env) -> String {
    let is_name = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    while let Some(offset) = path[i..].find('$') {
        let start = i + offset;
        out.push_str(&path[i..start]);
        let after = start + 1;
        let (name, end) = if bytes.get(after) == Some(&b'{') {
            match path[after + 1..].find('}') {
                Some(close) => (&path[after + 1..after + 1 + close], after + close + 2),
                None => ("", after),
            }
        } else {
            let len = bytes[after..].iter().take_while(|b| is_name(**b)).count();
            (&path[after..after + len], after + len)
        };
        match (end > after).then(|| env.var(name)).flatten() {
            Some(value) => out.push_str(&value),
            None => out.push_str(&path[start..end.max(after)]),
        }
        i = end.max(after);
    }
    out.push_str(&path[i..]);
    out
}

/// `ntpath.expandvars`: `%name%`, `${name}`, `$name` (letters, digits, `_`, `-`), `%%` and `$$`
/// for literal signs, and no expansion inside single quotes.
fn expand_vars_nt(path: &str, env: &dyn Env) -> String {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(c) = rest.chars().next() {
        let after = &rest[c.len_utf8()..];
        // A delimited run: (opening length, closing character, whether it names a variable).
        let (open, close, variable) = match c {
            '\'' => (1, '\'', false),
            '%' | '$' if after.starts_with(c) => {
                out.push(c);
                rest = &after[1..];
                continue;
            }
            '%' => (1, '%', true),
            '$' if after.starts_with('{') => (2, '}', true),
            '$' => {
                let len = after.find(|c: char| !is_name(c)).unwrap_or(after.len());
                match env.var(&after[..len]) {
                    Some(value) => out.push_str(&value),
                    None => out.push_str(&rest[..len + 1]),
                }
                rest = &after[len..];
                continue;
            }
            _ => {
                out.push(c);
                rest = after;
                continue;
            }
        };
        let Some(len) = rest[open..].find(close) else {
            out.push_str(rest);
            break;
        };
        let end = open + len + 1;
        match variable.then(|| env.var(&rest[open..open + len])).flatten() {
            Some(value) => out.push_str(&value),
            None => out.push_str(&rest[..end]),
        }
        rest = &rest[end..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_types::FakeEnv;

    fn env(vars: &[(&str, &str)]) -> FakeEnv {
        vars.iter().copied().collect()
    }

    #[test]
    fn linux_home_and_overrides() {
        let e = env(&[("HOME", "/home/me/"), ("AWS_CONFIG_FILE", "~/cfg")]);
        let loc = locate(&e, Platform::Linux);
        assert_eq!(loc.config.path(), "/home/me/cfg");
        assert_eq!(loc.config.overridden_by(), Some("AWS_CONFIG_FILE"));
        assert_eq!(loc.credentials.path(), "/home/me/.aws/credentials");
        assert_eq!(loc.credentials.overridden_by(), None);
        assert!(!loc.credentials.home_unknown());
    }

    #[test]
    fn windows_variables_only_count_on_windows() {
        let e = env(&[("USERPROFILE", "C:\\Users\\me")]);
        assert_eq!(
            home_dir(&e, Platform::Windows).as_deref(),
            Some("C:\\Users\\me")
        );
        assert_eq!(home_dir(&e, Platform::Linux), None);
        let e = env(&[("HOMEPATH", "\\Users\\me")]);
        assert_eq!(
            home_dir(&e, Platform::Windows).as_deref(),
            Some("\\Users\\me")
        );
    }

    #[test]
    fn no_home_leaves_tilde_and_says_so() {
        let loc = locate(&FakeEnv::new(), Platform::Linux);
        assert_eq!(loc.config.path(), "~/.aws/config");
        assert!(loc.config.home_unknown());
        let e = env(&[("AWS_CONFIG_FILE", "/etc/aws/config")]);
        assert!(!locate(&e, Platform::Linux).config.home_unknown());
    }

    #[test]
    fn tilde_rules() {
        let sep = |p| expand_home(p, Some("/h"), Platform::Linux).0;
        assert_eq!(sep("~"), "/h");
        assert_eq!(sep("~/a/b"), "/h/a/b");
        assert_eq!(sep("~user/a"), "~user/a");
        assert_eq!(sep("/x/~/a"), "/x/~/a");
        assert_eq!(expand_home("~/a", Some(""), Platform::Linux).0, "/a");
        assert_eq!(expand_home("~", Some("/"), Platform::Linux).0, "/");
        let win = |p| expand_home(p, Some("C:\\Users\\me\\"), Platform::Windows).0;
        assert_eq!(win("~/.aws/config"), "C:\\Users\\me\\.aws\\config");
        assert_eq!(win("~\\x/y"), "C:\\Users\\me\\x\\y");
    }

    #[test]
    fn empty_override_is_taken_as_written() {
        // botocore and aws-config both look for a file named "" and find none.
        let e = env(&[("HOME", "/h"), ("AWS_SHARED_CREDENTIALS_FILE", "")]);
        let loc = locate(&e, Platform::Linux);
        assert_eq!(loc.credentials.path(), "");
        assert_eq!(
            loc.credentials.overridden_by(),
            Some("AWS_SHARED_CREDENTIALS_FILE")
        );
    }

    #[test]
    fn posix_expandvars_matches_python() {
        let e = env(&[("A", "x"), ("EMPTY", ""), ("A B", "sp")]);
        let cases = [
            ("$A/b", "x/b"),
            ("${A}b", "xb"),
            ("$Ab", "$Ab"),
            ("$EMPTY/c", "/c"),
            ("$", "$"),
            ("$/", "$/"),
            ("${A", "${A"),
            ("${}", "${}"),
            ("${A B}", "sp"),
            ("$UNSET/$A", "$UNSET/x"),
            ("a$$A", "a$x"),
            ("é$A", "éx"),
        ];
        for (input, want) in cases {
            assert_eq!(expand_vars(input, &e, Platform::Linux), want, "{input}");
        }
    }

    #[test]
    fn nt_expandvars_matches_python() {
        let e = env(&[("A", "x"), ("A-B", "dash")]);
        let cases = [
            ("%A%\\b", "x\\b"),
            ("%UNSET%", "%UNSET%"),
            ("100%%", "100%"),
            ("50%", "50%"),
            ("$A-B", "dash"),
            ("${A}", "x"),
            ("${A", "${A"),
            ("$$A", "$A"),
            ("'%A%'%A%", "'%A%'x"),
            ("'open", "'open"),
            ("$", "$"),
        ];
        for (input, want) in cases {
            assert_eq!(expand_vars(input, &e, Platform::Windows), want, "{input}");
        }
    }
}
