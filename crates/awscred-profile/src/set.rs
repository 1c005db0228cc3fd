//! The merged profile set: sections named and validated, duplicates merged, both files combined.

use std::cmp::Ordering;
use std::fmt;
use std::io;
use std::sync::Arc;

use awscred_types::{CredentialsError, Env, Fs, ReadCap, Refused};

use crate::location::{FileKind, FileLocation, Platform, locate};
use crate::parse::{Arena, RawFile, Span, SyntaxError, Text, tokenize, trim_ws};

/// The contents of one profile file, with the path that messages name it by.
#[derive(Clone, Default)]
pub struct Source {
    path: String,
    contents: String,
}

impl Source {
    /// A file at `path` (used only in messages) holding `contents`.
    pub fn new(path: impl Into<String>, contents: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            contents: contents.into(),
        }
    }

    /// The path messages name the file by.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The file's text.
    pub fn contents(&self) -> &str {
        &self.contents
    }
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The contents may hold secret keys.
        f.debug_struct("Source")
            .field("path", &self.path)
            .field("len", &self.contents.len())
            .finish_non_exhaustive()
    }
}

/// A file [`ProfileSet`] read (or was given), and whether it was there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileStatus {
    location: FileLocation,
    existed: bool,
}

impl FileStatus {
    /// Where the file is and how that was decided.
    pub fn location(&self) -> &FileLocation {
        &self.location
    }

    /// Whether the file was there. A missing file reads as an empty one.
    pub fn existed(&self) -> bool {
        self.existed
    }
}

/// Something in a profile file that was ignored, and why.
///
/// The profile files are read leniently, as every AWS SDK reads them: a section or key with an
/// invalid name is skipped rather than failing the whole file. Each skip is recorded here, since
/// this crate does not log. Messages name sections and keys but never show a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    file: FileKind,
    path: String,
    line: u32,
    kind: WarningKind,
    message: String,
}

/// What a [`Warning`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WarningKind {
    /// A section's name has characters outside `A-Z a-z 0-9 _ - / . % @ : +`.
    InvalidSectionName,
    /// A config-file section other than `[default]` without a `profile ` (or other) prefix.
    MissingProfilePrefix,
    /// A credentials-file section written `[profile NAME]`.
    ProfilePrefixInCredentials,
    /// An `[sso-session …]`, `[services …]` or other prefixed section in the credentials file.
    ConfigSectionInCredentials,
    /// A config-file section with a prefix other than `profile`, `sso-session` or `services`.
    UnknownSectionType,
    /// `[default]` in the config file, ignored because `[profile default]` is there too.
    DefaultShadowed,
    /// A key with characters outside `A-Z a-z 0-9 _ - / . % @ : +`.
    InvalidKey,
    /// The path starts with `~`, but no home folder is known (see [`home_dir`](crate::home_dir)).
    HomeUnknown,
    /// The path names something that is not a regular file (a folder, FIFO, socket or device);
    /// read as missing, as botocore's `os.path.isfile` check does.
    NotAFile,
}

impl Warning {
    /// The file the warning is about.
    pub fn file(&self) -> FileKind {
        self.file
    }

    /// That file's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The 1-based line, or 0 when the warning is about the file as a whole.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// What the warning is about.
    pub fn kind(&self) -> WarningKind {
        self.kind
    }

    /// A sentence saying what was ignored and why.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            0 => write!(f, "{}: {}", self.path, self.message),
            line => write!(f, "{}:{line}: {}", self.path, self.message),
        }
    }
}

/// The kind of a [`Section`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SectionKind {
    /// `[default]` or `[profile NAME]` in the config file, `[NAME]` in the credentials file.
    Profile,
    /// `[sso-session NAME]` (config file only).
    SsoSession,
    /// `[services NAME]` (config file only).
    Services,
}

/// Where a key's value was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Origin {
    /// The file.
    pub file: FileKind,
    /// The 1-based line of the `key =` line.
    pub line: u32,
}

/// A profile, as [`ProfileSet::profile`] returns it. Profiles are [`Section`]s.
pub type Profile = Section;

#[derive(Clone, Copy, Debug)]
struct Entry {
    key: Span,
    value: Span,
    origin: Origin,
}

/// The text of both files (and the arena) and every entry of every view.
#[derive(Debug)]
struct Store {
    text: Text,
    entries: Vec<Entry>,
}

/// A `[profile]`, `[sso-session]` or `[services]` section: its name and its properties.
///
/// Keys are case-insensitive (stored lower-case) and listed in byte order. Values are strings
/// exactly as the profile grammar gives them: trimmed, inline ` #`/` ;` comments removed,
/// continuation lines joined with `\n`. Cloning is cheap (the text is shared).
///
/// `Debug` shows the name and the keys, never the values (they may be secrets).
#[derive(Clone)]
pub struct Section {
    store: Arc<Store>,
    spec: Spec,
}

impl Section {
    /// The section's name (`dev` for `[profile dev]`).
    pub fn name(&self) -> &str {
        self.spec.name.get(&self.store.text)
    }

    /// What kind of section this is.
    pub fn kind(&self) -> SectionKind {
        self.spec.kind
    }

    fn entries(&self) -> &[Entry] {
        &self.store.entries[self.spec.start as usize..self.spec.end as usize]
    }

    fn find(&self, key: &str) -> Option<&Entry> {
        let text = &self.store.text;
        let entries = self.entries();
        let lower = |b: u8| b.to_ascii_lowercase();
        entries
            .binary_search_by(|e| e.key.get(text).bytes().cmp(key.bytes().map(lower)))
            .ok()
            .map(|i| &entries[i])
    }

    /// The value of `key` (any case), if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.find(key).map(|e| e.value.get(&self.store.text))
    }

    /// Whether `key` (any case) is set, even to an empty value.
    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_some()
    }

    /// Where `key`'s value was written.
    pub fn origin(&self, key: &str) -> Option<Origin> {
        self.find(key).map(|e| e.origin)
    }

    /// The keys, lower-case, in byte order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &str> {
        self.entries().iter().map(|e| e.key.get(&self.store.text))
    }

    /// The `(key, value)` pairs, in key order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
        let text = &self.store.text;
        self.entries()
            .iter()
            .map(move |e| (e.key.get(text), e.value.get(text)))
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        (self.spec.end - self.spec.start) as usize
    }

    /// Whether the section has no keys (`[profile foo]` alone is a valid, empty profile).
    pub fn is_empty(&self) -> bool {
        self.spec.start == self.spec.end
    }

    /// The sub-properties under `key`, for values written as an indented block:
    ///
    /// ```ini
    /// [services local]
    /// sts =
    ///   endpoint_url = http://localhost:4566
    /// ```
    ///
    /// `None` when `key` is not set or its value is not such a block (does not start with a line
    /// break), as botocore's `raw_config_parse` decides.
    pub fn sub_properties(&self, key: &str) -> Option<SubProperties<'_>> {
        self.get(key)
            .filter(|v| v.starts_with('\n'))
            .map(|block| SubProperties { block })
    }

    /// Whether the given file defines this section (for a merged profile, one or both do).
    pub fn defined_in(&self, file: FileKind) -> bool {
        match file {
            FileKind::Config => self.spec.in_config,
            FileKind::Credentials => self.spec.in_credentials,
        }
    }
}

impl fmt::Debug for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Keys<'a>(&'a Section);
        impl fmt::Debug for Keys<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list().entries(self.0.keys()).finish()
            }
        }
        f.debug_struct("Section")
            .field("kind", &self.spec.kind)
            .field("name", &self.name())
            .field("keys", &Keys(self))
            .field("in_config", &self.spec.in_config)
            .field("in_credentials", &self.spec.in_credentials)
            .finish()
    }
}

/// The `name = value` lines of a sub-property block (see [`Section::sub_properties`]).
///
/// Names keep their case, as in botocore (only top-level keys are case-insensitive).
#[derive(Clone, Copy)]
pub struct SubProperties<'a> {
    block: &'a str,
}

impl<'a> SubProperties<'a> {
    /// The `(name, value)` pairs in file order, trimmed.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a str)> + use<'a> {
        self.block.split('\n').filter_map(|line| {
            let (name, value) = line.split_once('=')?;
            Some((trim_ws(name), trim_ws(value)))
        })
    }

    /// The value of `name` (exact case); the last one when it is written twice.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.iter()
            .filter(|(n, _)| *n == name)
            .last()
            .map(|(_, v)| v)
    }
}

impl fmt::Debug for SubProperties<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|(name, _)| name))
            .finish()
    }
}

/// Both profile files, parsed and merged.
///
/// - The merged view ([`profile`](Self::profile)) is botocore's `Session.full_config`: a profile
///   in both files has the keys of both, and the credentials file wins key by key.
/// - The per-file views ([`config_file_profile`](Self::config_file_profile),
///   [`credentials_file_profile`](Self::credentials_file_profile)) are what botocore's
///   `ConfigProvider` and `SharedCredentialProvider` read: one file each.
/// - `[sso-session]` and `[services]` sections come from the config file only.
///
/// `Debug` shows names, locations and warnings, never values.
#[derive(Clone)]
pub struct ProfileSet {
    profiles: Vec<Section>,
    config_profiles: Vec<Section>,
    credentials_profiles: Vec<Section>,
    sso_sessions: Vec<Section>,
    services: Vec<Section>,
    locations: Vec<FileStatus>,
    warnings: Vec<Warning>,
}

fn lookup<'a>(sections: &'a [Section], name: &str) -> Option<&'a Section> {
    sections
        .binary_search_by(|s| s.name().cmp(name))
        .ok()
        .map(|i| &sections[i])
}

impl ProfileSet {
    /// Parses the two files. `None` stands for a missing file, which reads as an empty one.
    ///
    /// A malformed file is [`CredentialsError::InvalidConfiguration`] naming the file and the
    /// line (never the line's text, which could be a secret). Sections and keys with invalid
    /// names are skipped and reported in [`warnings`](Self::warnings).
    pub fn parse(
        config: Option<Source>,
        credentials: Option<Source>,
    ) -> Result<Self, CredentialsError> {
        let status = |kind, source: &Option<Source>| {
            source.as_ref().map(|s| FileStatus {
                location: FileLocation::new(kind, s.path.clone()),
                existed: true,
            })
        };
        let locations = [
            status(FileKind::Config, &config),
            status(FileKind::Credentials, &credentials),
        ]
        .into_iter()
        .flatten()
        .collect();
        build(config, credentials, locations, Vec::new())
    }

    /// Finds both files ([`locate`](crate::locate) on this host's platform), reads them through
    /// `fs` and parses them.
    ///
    /// A missing file reads as empty. A file that cannot be read (permissions, not UTF-8) or
    /// parsed is [`CredentialsError::InvalidConfiguration`] with `file` (and, where it applies,
    /// `line`) fields.
    pub fn load(env: &dyn Env, fs: &dyn Fs) -> Result<Self, CredentialsError> {
        Self::load_for(env, fs, Platform::host())
    }

    /// [`load`](Self::load) with an explicit platform (for tests of the Windows rules).
    pub fn load_for(
        env: &dyn Env,
        fs: &dyn Fs,
        platform: Platform,
    ) -> Result<Self, CredentialsError> {
        let found = locate(env, platform);
        let mut warnings = Vec::new();
        let mut locations = Vec::with_capacity(2);
        let mut read = |location: FileLocation| -> Result<Option<Source>, CredentialsError> {
            let warn = |kind, message: &str| Warning {
                file: location.kind(),
                path: location.path().to_owned(),
                line: 0,
                kind,
                message: message.to_owned(),
            };
            if location.home_unknown() {
                warnings.push(warn(
                    WarningKind::HomeUnknown,
                    "no home folder is known (HOME is unset), so `~` was not expanded",
                ));
            }
            let source = match fs.read(location.as_path(), ReadCap::Config) {
                Ok(bytes) => Some(source_from_bytes(&location, bytes)?),
                Err(e) if e.kind() == io::ErrorKind::NotFound => None,
                Err(e) if Refused::is_not_a_file(&e) => {
                    warnings.push(warn(WarningKind::NotAFile, &format!("{e}; ignored")));
                    None
                }
                Err(e) => {
                    return Err(CredentialsError::invalid_configuration(format!(
                        "could not read the {}",
                        location.kind()
                    ))
                    .with("file", location.path())
                    .with_source(e));
                }
            };
            locations.push(FileStatus {
                existed: source.is_some(),
                location,
            });
            Ok(source)
        };
        let config = read(found.config)?;
        let credentials = read(found.credentials)?;
        build(config, credentials, locations, warnings)
    }

    /// The merged profile `name` (both files; the credentials file wins key by key).
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        lookup(&self.profiles, name)
    }

    /// The names of all profiles in either file, in byte order.
    pub fn profile_names(&self) -> impl ExactSizeIterator<Item = &str> {
        self.profiles.iter().map(Section::name)
    }

    /// All merged profiles, in name order.
    pub fn profiles(&self) -> impl ExactSizeIterator<Item = &Profile> {
        self.profiles.iter()
    }

    /// Profile `name` as the config file alone defines it (botocore's `ConfigProvider` view).
    pub fn config_file_profile(&self, name: &str) -> Option<&Profile> {
        lookup(&self.config_profiles, name)
    }

    /// Profile `name` as the credentials file alone defines it (botocore's
    /// `SharedCredentialProvider` view).
    pub fn credentials_file_profile(&self, name: &str) -> Option<&Profile> {
        lookup(&self.credentials_profiles, name)
    }

    /// The `[sso-session name]` section.
    pub fn sso_session(&self, name: &str) -> Option<&Section> {
        lookup(&self.sso_sessions, name)
    }

    /// The names of all `[sso-session]` sections, in byte order.
    pub fn sso_session_names(&self) -> impl ExactSizeIterator<Item = &str> {
        self.sso_sessions.iter().map(Section::name)
    }

    /// The `[services name]` section (its per-service settings are
    /// [`sub_properties`](Section::sub_properties)).
    pub fn services(&self, name: &str) -> Option<&Section> {
        lookup(&self.services, name)
    }

    /// The files read (config first), and whether each was there.
    pub fn locations(&self) -> &[FileStatus] {
        &self.locations
    }

    /// What was ignored while reading, in file and line order.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Whether no file defines any profile.
    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }
}

impl fmt::Debug for ProfileSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Names<'a>(&'a [Section]);
        impl fmt::Debug for Names<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list()
                    .entries(self.0.iter().map(Section::name))
                    .finish()
            }
        }
        f.debug_struct("ProfileSet")
            .field("profiles", &Names(&self.profiles))
            .field("sso_sessions", &Names(&self.sso_sessions))
            .field("services", &Names(&self.services))
            .field("locations", &self.locations)
            .field("warnings", &self.warnings)
            .finish()
    }
}

fn source_from_bytes(location: &FileLocation, bytes: Vec<u8>) -> Result<Source, CredentialsError> {
    match String::from_utf8(bytes) {
        Ok(contents) => Ok(Source {
            path: location.path().to_owned(),
            contents,
        }),
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
            Err(CredentialsError::invalid_configuration(format!(
                "the {} is not valid UTF-8",
                location.kind()
            ))
            .with("file", location.path())
            .with("line", line))
        }
    }
}

fn syntax_error(kind: FileKind, path: &str, e: SyntaxError) -> CredentialsError {
    CredentialsError::invalid_configuration(format!("could not parse the {kind}: {}", e.problem))
        .with("file", path)
        .with("line", e.line)
}

/// A section: which entries (a range of `Store::entries`), its kind and name, and which files
/// it came from.
#[derive(Clone, Copy, Debug)]
struct Spec {
    kind: SectionKind,
    name: Span,
    start: u32,
    end: u32,
    in_config: bool,
    in_credentials: bool,
}

fn build(
    config: Option<Source>,
    credentials: Option<Source>,
    locations: Vec<FileStatus>,
    mut warnings: Vec<Warning>,
) -> Result<ProfileSet, CredentialsError> {
    let (config, credentials) = (config.unwrap_or_default(), credentials.unwrap_or_default());
    let total = config.contents.len() + credentials.contents.len();
    // The arena never outgrows the sources, so half of u32 leaves room for both.
    if total > (u32::MAX / 2) as usize {
        return Err(CredentialsError::invalid_configuration(
            "the profile files are too large (over 2 GiB together)",
        )
        .with("file", &config.path));
    }

    // 1. Tokenize both files; the few strings that must be built go to one arena.
    let mut arena = String::new();
    let mut into = Arena {
        buf: &mut arena,
        base: total as u32,
    };
    let config_raw = tokenize(&config.contents, 0, &mut into)
        .map_err(|e| syntax_error(FileKind::Config, &config.path, e))?;
    let credentials_raw = tokenize(
        &credentials.contents,
        config.contents.len() as u32,
        &mut into,
    )
    .map_err(|e| syntax_error(FileKind::Credentials, &credentials.path, e))?;

    // 2. Keep the files' strings as they are, addressed as one text with the arena.
    let text = Text::new(config.contents, credentials.contents, arena);

    // 3. Name, validate and merge the sections of each file.
    let mut entries = Vec::new();
    let mut normalize = |kind, path: &str, raw: &RawFile| {
        normalize_file(kind, path, raw, &text, &mut entries, &mut warnings)
    };
    let config_specs = normalize(FileKind::Config, &config.path, &config_raw);
    let credentials_specs = normalize(FileKind::Credentials, &credentials.path, &credentials_raw);

    // 4. The merged profiles: credentials entries win key by key.
    let merged = merge_profiles(&config_specs, &credentials_specs, &text, &mut entries);

    // 5. Publish: every view shares one store.
    let store = Arc::new(Store { text, entries });
    let of_kind = |specs: &[Spec], kind| -> Vec<Section> {
        publish(&store, specs.iter().filter(|s| s.kind == kind))
    };
    warnings.sort_by_key(|w| (w.file, w.line));
    Ok(ProfileSet {
        profiles: publish(&store, merged.iter()),
        config_profiles: of_kind(&config_specs, SectionKind::Profile),
        credentials_profiles: of_kind(&credentials_specs, SectionKind::Profile),
        sso_sessions: of_kind(&config_specs, SectionKind::SsoSession),
        services: of_kind(&config_specs, SectionKind::Services),
        locations,
        warnings,
    })
}

fn publish<'a>(store: &Arc<Store>, specs: impl Iterator<Item = &'a Spec>) -> Vec<Section> {
    specs
        .map(|&spec| Section {
            store: store.clone(),
            spec,
        })
        .collect()
}

/// `A-Z a-z 0-9 _ - / . % @ : +`: the characters of profile, section and key names.
fn is_identifier(name: &str) -> bool {
    const VALID: [bool; 256] = {
        let mut table = [false; 256];
        let mut b = 0;
        while b < 256 {
            let c = b as u8;
            table[b] = c.is_ascii_alphanumeric()
                || matches!(c, b'_' | b'-' | b'/' | b'.' | b'%' | b'@' | b':' | b'+');
            b += 1;
        }
        table
    };
    name.bytes().all(|b| VALID[b as usize])
}

/// What a section header names, or why it is ignored.
enum Header<'a> {
    Section {
        kind: SectionKind,
        name: &'a str,
        prefixed_default: bool,
    },
    Ignored(WarningKind, String),
}

fn classify<'a>(header: &'a str, file: FileKind) -> Header<'a> {
    let header = trim_ws(header);
    // `.trim()` (Unicode) after the split, as the reference implementation does.
    let (prefix, name) = match header.split_once([' ', '\t']) {
        Some((prefix, name)) => (Some(prefix.trim()), name.trim()),
        None => (None, header.trim()),
    };
    let ignored = |kind, message: String| Header::Ignored(kind, message);
    let invalid = |bad: &str| {
        ignored(
            WarningKind::InvalidSectionName,
            format!(
                "section [{header}] ignored: `{bad}` is not a valid name \
                 (letters, digits and _ - / . % @ : + only)"
            ),
        )
    };
    match (file, prefix) {
        (FileKind::Config, Some(_)) if !is_identifier(name) => invalid(name),
        (FileKind::Config, Some(prefix)) => {
            let kind = match prefix {
                "profile" => SectionKind::Profile,
                "sso-session" => SectionKind::SsoSession,
                "services" => SectionKind::Services,
                _ => {
                    return ignored(
                        WarningKind::UnknownSectionType,
                        format!(
                            "section [{prefix} {name}] ignored: unknown section type `{prefix}`"
                        ),
                    );
                }
            };
            let prefixed_default = kind == SectionKind::Profile && name == "default";
            Header::Section {
                kind,
                name,
                prefixed_default,
            }
        }
        (FileKind::Config, None) if name == "default" => Header::Section {
            kind: SectionKind::Profile,
            name,
            prefixed_default: false,
        },
        (FileKind::Config, None) => ignored(
            WarningKind::MissingProfilePrefix,
            format!(
                "section [{name}] ignored: in the config file, profiles other than [default] \
                 are written [profile {name}]"
            ),
        ),
        (FileKind::Credentials, Some("profile")) => ignored(
            WarningKind::ProfilePrefixInCredentials,
            format!(
                "section [profile {name}] ignored: in the credentials file, profiles are \
                 written [{name}], without `profile`"
            ),
        ),
        (FileKind::Credentials, Some(prefix @ ("sso-session" | "services"))) => ignored(
            WarningKind::ConfigSectionInCredentials,
            format!("section [{prefix} {name}] ignored: it belongs in the config file"),
        ),
        (FileKind::Credentials, Some(_)) => invalid(header),
        (FileKind::Credentials, None) if !is_identifier(name) => invalid(name),
        (FileKind::Credentials, None) => Header::Section {
            kind: SectionKind::Profile,
            name,
            prefixed_default: false,
        },
    }
}

/// Turns one tokenized file into sorted, de-duplicated sections whose entries are appended to
/// `entries`. Returns the sections sorted by (kind, name).
fn normalize_file(
    file: FileKind,
    path: &str,
    raw: &RawFile,
    text: &Text,
    entries: &mut Vec<Entry>,
    warnings: &mut Vec<Warning>,
) -> Vec<Spec> {
    let warn = |warnings: &mut Vec<Warning>, line, kind, message| {
        warnings.push(Warning {
            file,
            path: path.to_owned(),
            line,
            kind,
            message,
        });
    };

    // Name each raw section. A raw section's entries are contiguous in `raw.entries` (each
    // entry belongs to the latest header), so a section is (kind, name, first entry, end).
    let headers: Vec<Header<'_>> = raw
        .sections
        .iter()
        .map(|s| classify(s.header.get(text), file))
        .collect();
    let has_prefixed_default = headers.iter().any(|h| {
        matches!(
            h,
            Header::Section {
                prefixed_default: true,
                ..
            }
        )
    });
    let mut named: Vec<(SectionKind, Span, u32, u32)> = Vec::with_capacity(headers.len());
    let mut first_entry = 0;
    for (index, (header, section)) in headers.into_iter().zip(&raw.sections).enumerate() {
        let start = first_entry;
        let entries_here = raw.entries[start..]
            .iter()
            .take_while(|e| e.section as usize == index);
        first_entry += entries_here.count();
        match header {
            Header::Section {
                kind,
                name,
                prefixed_default,
            } => {
                if has_prefixed_default
                    && name == "default"
                    && !prefixed_default
                    && kind == SectionKind::Profile
                {
                    warn(
                        warnings,
                        section.line,
                        WarningKind::DefaultShadowed,
                        "section [default] ignored: [profile default] is also in this file and \
                         takes precedence"
                            .to_owned(),
                    );
                    continue;
                }
                let name = section.header.of_substring(section.header.get(text), name);
                named.push((kind, name, start as u32, first_entry as u32));
            }
            Header::Ignored(kind, message) => warn(warnings, section.line, kind, message),
        }
    }

    // Sort by (kind, name); a stable sort keeps repeated sections in file order.
    named.sort_by(|a, b| (a.0, a.1.get(text)).cmp(&(b.0, b.1.get(text))));

    let mut specs = Vec::with_capacity(named.len());
    let mut keep: Vec<u32> = Vec::new();
    let key = |index: u32| raw.entries[index as usize].key.get(text);
    entries.reserve(raw.entries.len());
    for run in named.chunk_by(|a, b| a.0 == b.0 && a.1.get(text) == b.1.get(text)) {
        // The entries of every section in the run, in file order, with valid keys.
        keep.clear();
        for index in run.iter().flat_map(|&(_, _, start, end)| start..end) {
            let k = key(index);
            if is_identifier(k) {
                keep.push(index);
            } else {
                warn(
                    warnings,
                    raw.entries[index as usize].line,
                    WarningKind::InvalidKey,
                    format!(
                        "key `{k}` ignored: not a valid name \
                         (letters, digits and _ - / . % @ : + only)"
                    ),
                );
            }
        }
        // By key, then file order; of duplicate keys, the last one written wins.
        keep.sort_unstable_by(|&a, &b| key(a).cmp(key(b)).then(a.cmp(&b)));
        let start = entries.len() as u32;
        for (i, &index) in keep.iter().enumerate() {
            if keep.get(i + 1).is_some_and(|&next| key(next) == key(index)) {
                continue;
            }
            let e = &raw.entries[index as usize];
            entries.push(Entry {
                key: e.key,
                value: e.value,
                origin: Origin { file, line: e.line },
            });
        }
        let (kind, name, _, _) = run[0];
        specs.push(Spec {
            kind,
            name,
            start,
            end: entries.len() as u32,
            in_config: file == FileKind::Config,
            in_credentials: file == FileKind::Credentials,
        });
    }
    specs
}

/// Profiles of both files merged by name (sorted); a profile in both gets new entries.
fn merge_profiles(
    config: &[Spec],
    credentials: &[Spec],
    text: &Text,
    entries: &mut Vec<Entry>,
) -> Vec<Spec> {
    let profiles = |specs: &[Spec]| -> usize {
        specs
            .iter()
            .take_while(|s| s.kind == SectionKind::Profile)
            .count()
    };
    // Specs are sorted by (kind, name) and `Profile` sorts first.
    let (mut a, mut b) = (
        &config[..profiles(config)],
        &credentials[..profiles(credentials)],
    );
    let mut out = Vec::with_capacity(a.len() + b.len());
    loop {
        let order = match (a.first(), b.first()) {
            (Some(x), Some(y)) => x.name.get(text).cmp(y.name.get(text)),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => break,
        };
        match order {
            Ordering::Less => {
                out.push(a[0]);
                a = &a[1..];
            }
            Ordering::Greater => {
                out.push(b[0]);
                b = &b[1..];
            }
            Ordering::Equal => {
                let start = entries.len() as u32;
                merge_entries(a[0], b[0], text, entries);
                out.push(Spec {
                    start,
                    end: entries.len() as u32,
                    in_config: true,
                    in_credentials: true,
                    ..a[0]
                });
                a = &a[1..];
                b = &b[1..];
            }
        }
    }
    out
}

/// Appends the union of two sorted entry ranges; on equal keys the second (credentials) wins.
fn merge_entries(config: Spec, credentials: Spec, text: &Text, entries: &mut Vec<Entry>) {
    let (mut i, mut j) = (config.start as usize, credentials.start as usize);
    let (i_end, j_end) = (config.end as usize, credentials.end as usize);
    while i < i_end || j < j_end {
        let order = if i == i_end {
            Ordering::Greater
        } else if j == j_end {
            Ordering::Less
        } else {
            entries[i].key.get(text).cmp(entries[j].key.get(text))
        };
        let next = match order {
            Ordering::Less => {
                i += 1;
                entries[i - 1]
            }
            Ordering::Greater => {
                j += 1;
                entries[j - 1]
            }
            Ordering::Equal => {
                i += 1;
                j += 1;
                entries[j - 1]
            }
        };
        entries.push(next);
    }
}
