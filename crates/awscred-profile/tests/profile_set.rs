//! What the vectors do not cover: merge precedence, per-file views, loading through the seams,
//! error contents, warnings, sub-properties.

use std::io;
use std::path::{Path, PathBuf};

use awscred_profile::{FileKind, Platform, ProfileSet, SectionKind, Source, WarningKind};
use awscred_test::{FakeEnv, MemFs};
use awscred_types::{Fs, FsLock, ReadCap};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

fn parse(config: &str, credentials: &str) -> ProfileSet {
    ProfileSet::parse(
        Some(Source::new("/h/.aws/config", config)),
        Some(Source::new("/h/.aws/credentials", credentials)),
    )
    .expect("parses")
}

fn home() -> FakeEnv {
    FakeEnv::new().with("HOME", "/h")
}

#[test]
fn credentials_file_wins_key_by_key() {
    let set = parse(
        "[profile p]\nregion = eu-west-1\naws_access_key_id = FROM_CONFIG\n",
        "[p]\naws_access_key_id = FROM_CREDS\naws_secret_access_key = s\n",
    );
    let p = set.profile("p").unwrap();
    assert_eq!(p.get("region"), Some("eu-west-1"));
    assert_eq!(p.get("aws_access_key_id"), Some("FROM_CREDS"));
    assert_eq!(p.get("aws_secret_access_key"), Some("s"));
    assert_eq!(
        p.keys().collect::<Vec<_>>(),
        ["aws_access_key_id", "aws_secret_access_key", "region"]
    );
    assert!(p.defined_in(FileKind::Config) && p.defined_in(FileKind::Credentials));
    let origin = p.origin("AWS_ACCESS_KEY_ID").unwrap();
    assert_eq!((origin.file, origin.line), (FileKind::Credentials, 2));
    assert_eq!(p.origin("region").unwrap().file, FileKind::Config);
}

#[test]
fn per_file_views_see_one_file_each() {
    let set = parse(
        "[profile both]\nregion = r\n[profile cfg]\n",
        "[both]\nk = v\n[creds]\n",
    );
    assert_eq!(
        set.profile_names().collect::<Vec<_>>(),
        ["both", "cfg", "creds"]
    );
    let from_config = set.config_file_profile("both").unwrap();
    assert_eq!(from_config.iter().collect::<Vec<_>>(), [("region", "r")]);
    assert!(
        from_config.defined_in(FileKind::Config) && !from_config.defined_in(FileKind::Credentials)
    );
    let from_creds = set.credentials_file_profile("both").unwrap();
    assert_eq!(from_creds.iter().collect::<Vec<_>>(), [("k", "v")]);
    assert!(set.config_file_profile("creds").is_none());
    assert!(set.credentials_file_profile("cfg").is_none());
    let creds_only = set.profile("creds").unwrap();
    assert!(creds_only.is_empty() && !creds_only.defined_in(FileKind::Config));
}

#[test]
fn keys_are_case_insensitive_names_are_not() {
    let set = parse("[profile Dev]\nRegion = r\n", "");
    let dev = set.profile("Dev").unwrap();
    assert_eq!(dev.get("REGION"), Some("r"));
    assert!(dev.contains_key("region"));
    assert!(set.profile("dev").is_none());
}

#[test]
fn sso_sessions_and_services_come_from_the_config_file_only() {
    let set = parse(
        "[sso-session corp]\nsso_start_url = https://x\n\
         [services local]\nsts =\n  endpoint_url = http://localhost:4566\n  Region = a\n  Region = b\n\
         [profile p]\nservices = local\ns3 = plain\n",
        "[sso-session corp]\nk = v\n[services local]\n",
    );
    assert_eq!(
        set.sso_session("corp").unwrap().get("sso_start_url"),
        Some("https://x")
    );
    assert_eq!(
        set.sso_session("corp").unwrap().kind(),
        SectionKind::SsoSession
    );
    let local = set.services("local").unwrap();
    let sts = local.sub_properties("sts").unwrap();
    assert_eq!(sts.get("endpoint_url"), Some("http://localhost:4566"));
    assert_eq!(sts.get("Region"), Some("b"), "last one wins, case kept");
    assert_eq!(sts.get("region"), None);
    assert_eq!(sts.iter().count(), 3);
    let p = set.profile("p").unwrap();
    assert!(
        p.sub_properties("s3").is_none(),
        "a plain value is not a block"
    );
    assert!(p.sub_properties("nope").is_none());
    let kinds: Vec<_> = set
        .warnings()
        .iter()
        .map(|w| (w.file(), w.kind(), w.line()))
        .collect();
    assert_eq!(
        kinds,
        [
            (
                FileKind::Credentials,
                WarningKind::ConfigSectionInCredentials,
                1
            ),
            (
                FileKind::Credentials,
                WarningKind::ConfigSectionInCredentials,
                3
            ),
        ]
    );
}

#[test]
fn ignored_things_are_reported_without_values() {
    let set = parse(
        &format!(
            "[default]\nx = 1\n[profile default]\nbad key = {SECRET}\n[preview]\n[profile a!b]\n\
             [plugin x]\n"
        ),
        "[profile p]\n[in valid]\n",
    );
    let got: Vec<_> = set
        .warnings()
        .iter()
        .map(|w| (w.file(), w.line(), w.kind()))
        .collect();
    assert_eq!(
        got,
        [
            (FileKind::Config, 1, WarningKind::DefaultShadowed),
            (FileKind::Config, 4, WarningKind::InvalidKey),
            (FileKind::Config, 5, WarningKind::MissingProfilePrefix),
            (FileKind::Config, 6, WarningKind::InvalidSectionName),
            (FileKind::Config, 7, WarningKind::UnknownSectionType),
            (
                FileKind::Credentials,
                1,
                WarningKind::ProfilePrefixInCredentials
            ),
            (FileKind::Credentials, 2, WarningKind::InvalidSectionName),
        ]
    );
    let shown = format!("{set:?} {:?}", set.warnings());
    assert!(!shown.contains(SECRET), "{shown}");
    let w = &set.warnings()[1];
    assert_eq!(w.to_string(), format!("/h/.aws/config:4: {}", w.message()));
    assert!(w.message().contains("`bad key`"));
    assert_eq!(set.profile_names().collect::<Vec<_>>(), ["default"]);
    assert!(set.profile("default").unwrap().is_empty());
}

#[test]
fn debug_never_shows_values() {
    let set = parse(
        &format!("[default]\naws_secret_access_key = {SECRET}\n"),
        "",
    );
    let p = set.profile("default").unwrap();
    let shown = format!("{set:?} {p:?} {:?}", Source::new("f", SECRET));
    assert!(shown.contains("aws_secret_access_key"));
    assert!(!shown.contains(SECRET), "{shown}");
}

#[test]
fn syntax_errors_name_file_and_line_never_text() {
    let cases = [
        (
            format!("[default]\nregion = r\n\n{SECRET}\n"),
            4,
            "Expected an '=' sign defining a property",
        ),
        (
            format!("{SECRET} = x\n"),
            1,
            "Expected a profile definition",
        ),
        (
            format!("[default]\n  {SECRET}\n"),
            2,
            "Expected a property definition",
        ),
        (format!("[default]\ns3 =\n  {SECRET}\n"), 3, "sub-property"),
        (format!("[default\n{SECRET}"), 1, "must end with ']'"),
    ];
    for (config, line, problem) in cases {
        let err = ProfileSet::parse(Some(Source::new("/h/.aws/config", config.as_str())), None)
            .expect_err(&config);
        assert!(err.is_invalid_configuration());
        assert_eq!(err.field("file"), Some("/h/.aws/config"));
        assert_eq!(err.field("line"), Some(line.to_string().as_str()), "{err}");
        let shown = format!("{err} {err:?}");
        assert!(shown.contains(problem), "{shown}");
        assert!(!shown.contains(SECRET), "{shown}");
    }
    let err = ProfileSet::parse(None, Some(Source::new("/c", "[a]\n[b]\n x = 1"))).unwrap_err();
    assert!(
        err.to_string().contains("AWS shared credentials file"),
        "{err}"
    );
    assert_eq!(err.field("line"), Some("3"));
}

#[test]
fn missing_files_are_empty() {
    let set = ProfileSet::load_for(&home(), &MemFs::new(), Platform::Linux).unwrap();
    assert!(set.is_empty());
    let status: Vec<_> = set
        .locations()
        .iter()
        .map(|s| (s.location().path(), s.existed()))
        .collect();
    assert_eq!(
        status,
        [("/h/.aws/config", false), ("/h/.aws/credentials", false)]
    );
    assert!(set.warnings().is_empty());
}

#[test]
fn load_reads_both_files_through_the_seams() {
    let env = home().with("AWS_SHARED_CREDENTIALS_FILE", "$HOME/creds");
    let fs = MemFs::new()
        .with_file("/h/.aws/config", "[profile p]\nregion = r\n")
        .with_file("/h/creds", "[p]\nk = v\n");
    let set = ProfileSet::load_for(&env, &fs, Platform::Linux).unwrap();
    let p = set.profile("p").unwrap();
    assert_eq!((p.get("region"), p.get("k")), (Some("r"), Some("v")));
    let creds = set.locations()[1].location();
    assert_eq!(creds.path(), "/h/creds");
    assert_eq!(creds.overridden_by(), Some("AWS_SHARED_CREDENTIALS_FILE"));
    assert!(set.locations()[1].existed());
}

#[test]
fn no_home_is_a_warning_not_an_error() {
    let set = ProfileSet::load_for(&FakeEnv::new(), &MemFs::new(), Platform::Linux).unwrap();
    let kinds: Vec<_> = set.warnings().iter().map(|w| w.kind()).collect();
    assert_eq!(kinds, [WarningKind::HomeUnknown, WarningKind::HomeUnknown]);
}

/// A file system whose reads of one path fail with a given error.
#[derive(Debug)]
struct Failing(MemFs, PathBuf, io::ErrorKind);

impl Fs for Failing {
    fn read(&self, path: &Path, cap: ReadCap) -> io::Result<Vec<u8>> {
        if path == self.1 {
            Err(io::Error::from(self.2))
        } else {
            self.0.read(path, cap)
        }
    }
    fn write_atomic(&self, path: &Path, contents: &[u8], mode: u32) -> io::Result<()> {
        self.0.write_atomic(path, contents, mode)
    }
    fn remove(&self, path: &Path) -> io::Result<()> {
        self.0.remove(path)
    }
    fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        self.0.list(dir)
    }
    fn mode(&self, path: &Path) -> io::Result<Option<u32>> {
        self.0.mode(path)
    }
    fn lock(&self, path: &Path, wait: std::time::Duration) -> io::Result<FsLock> {
        self.0.lock(path, wait)
    }
}

#[test]
fn unreadable_file_is_invalid_configuration_naming_it() {
    let fs = Failing(
        MemFs::new(),
        "/h/.aws/credentials".into(),
        io::ErrorKind::PermissionDenied,
    );
    let err = ProfileSet::load_for(&home(), &fs, Platform::Linux).unwrap_err();
    assert!(err.is_invalid_configuration());
    assert_eq!(err.field("file"), Some("/h/.aws/credentials"));
    assert!(
        err.to_string()
            .contains("could not read the AWS shared credentials file"),
        "{err}"
    );
    assert!(std::error::Error::source(&err).is_some());
}

#[test]
fn a_folder_reads_as_missing_as_in_botocore() {
    let fs = Failing(
        MemFs::new(),
        "/h/.aws/config".into(),
        io::ErrorKind::IsADirectory,
    );
    let set = ProfileSet::load_for(&home(), &fs, Platform::Linux).unwrap();
    assert!(!set.locations()[0].existed());
    assert_eq!(set.warnings()[0].kind(), WarningKind::NotAFile);
}

#[test]
fn non_utf8_file_is_invalid_configuration_with_line() {
    let mut bytes = format!("[default]\naws_secret_access_key = {SECRET}\nx = ").into_bytes();
    bytes.extend([0xff, 0xfe]);
    let fs = MemFs::new().with_file("/h/.aws/credentials", bytes);
    let err = ProfileSet::load_for(&home(), &fs, Platform::Linux).unwrap_err();
    assert!(err.is_invalid_configuration());
    assert_eq!(
        (err.field("file"), err.field("line")),
        (Some("/h/.aws/credentials"), Some("3"))
    );
    assert!(!format!("{err} {err:?}").contains(SECRET));
}

#[test]
fn windows_rules_run_anywhere() {
    let env = FakeEnv::new().with("USERPROFILE", "C:\\Users\\me");
    let fs = MemFs::new().with_file("C:\\Users\\me\\.aws\\config", "[default]\nregion = r\n");
    let set = ProfileSet::load_for(&env, &fs, Platform::Windows).unwrap();
    assert_eq!(set.profile("default").unwrap().get("region"), Some("r"));
}

#[test]
fn duplicate_sections_merge_and_later_keys_win_in_file_order() {
    let set = parse(
        "[profile a]\nk = 1\nz = 1\n[profile  a ]\nk = 2\n[profile a]\nk = 3\n",
        "",
    );
    let a = set.profile("a").unwrap();
    assert_eq!(a.iter().collect::<Vec<_>>(), [("k", "3"), ("z", "1")]);
    assert_eq!(a.origin("k").unwrap().line, 7);
}
