//! Where the credentials are fetched from: the two URI variables and the `http` host allow-list.
//!
//! The allow-list check is purely syntactic (IP literals and the name `localhost`); no name is
//! ever resolved. The crate docs explain why (botocore does the same).

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use awscred_http::http::Uri;
use awscred_types::{CredentialsError, Env};

/// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`: a path on `http://169.254.170.2` (ECS). Wins over
/// [`FULL_URI_VAR`].
pub const RELATIVE_URI_VAR: &str = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI`: a whole URL (EKS Pod Identity, ECS Anywhere, local
/// endpoints). `http` only for the allowed hosts; `https` for any host.
pub const FULL_URI_VAR: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`: a file whose contents are the `Authorization`
/// header, read on every fetch. Wins over [`AUTH_TOKEN_VAR`].
pub const AUTH_TOKEN_FILE_VAR: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN`: the `Authorization` header value itself.
pub const AUTH_TOKEN_VAR: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
/// The ECS credentials endpoint a relative URI is appended to.
pub const ECS_ENDPOINT: &str = "http://169.254.170.2";

const ECS_IPV4: Ipv4Addr = Ipv4Addr::new(169, 254, 170, 2);
const EKS_IPV4: Ipv4Addr = Ipv4Addr::new(169, 254, 170, 23);
const EKS_IPV6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x23);

/// The URL the container provider would fetch from, read from `env`.
///
/// - [`RELATIVE_URI_VAR`] set: `http://169.254.170.2` followed by it (path and query kept). It
///   must start with `/`.
/// - Otherwise [`FULL_URI_VAR`] set: that URL. With `https` any host is allowed; with `http`
///   the host must be a loopback address (`127.0.0.0/8`, `::1`), `localhost`, `169.254.170.2`,
///   `169.254.170.23` or `fd00:ec2::23`.
/// - Neither set (empty or whitespace-only counts as unset): [`CredentialsError::NotLoaded`].
///
/// A value that is set but unusable is [`CredentialsError::InvalidConfiguration`], naming the
/// variable (`key`) and, when it parses, the URL (`uri`, without user-info or query).
pub fn resolve_uri(env: &dyn Env) -> Result<Uri, CredentialsError> {
    if let Some(relative) = env.get(RELATIVE_URI_VAR) {
        return relative_uri(&relative);
    }
    if let Some(full) = env.get(FULL_URI_VAR) {
        return full_uri(&full);
    }
    Err(CredentialsError::not_loaded(
        "No environment variables were set to configure ECS provider (neither \
         AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set)",
    ))
}

fn relative_uri(relative: &str) -> Result<Uri, CredentialsError> {
    let invalid = |why: &str| {
        CredentialsError::invalid_configuration(format!("{RELATIVE_URI_VAR} {why}"))
            .with("key", RELATIVE_URI_VAR)
    };
    // botocore concatenates without checking; a value without the leading `/` would glue
    // itself onto the host (`http://169.254.170.2credentials`), so it is refused here.
    if !relative.starts_with('/') {
        return Err(invalid("must be a path starting with `/`").with("uri", relative));
    }
    let uri: Uri = format!("{ECS_ENDPOINT}{relative}").parse().map_err(
        |e: awscred_http::http::uri::InvalidUri| invalid("is not a valid URI path").with_source(e),
    )?;
    // The leading `/` ends the authority, so the host cannot change; checked all the same.
    if uri.host() != Some("169.254.170.2") || uri.port().is_some() {
        return Err(invalid("must be a path on the ECS endpoint").with("uri", display_uri(&uri)));
    }
    Ok(uri)
}

fn full_uri(full: &str) -> Result<Uri, CredentialsError> {
    let invalid = |why: String| {
        CredentialsError::invalid_configuration(format!("{FULL_URI_VAR} {why}"))
            .with("key", FULL_URI_VAR)
    };
    // The value is not repeated when it does not parse: it might carry user-info.
    let uri: Uri = full
        .parse()
        .map_err(|e: awscred_http::http::uri::InvalidUri| {
            invalid("is not a valid URI".to_owned()).with_source(e)
        })?;
    let shown = display_uri(&uri);
    let Some(host) = uri.host().filter(|h| !h.is_empty()) else {
        return Err(
            invalid("is not a full URL: the URI did not specify a host".to_owned())
                .with("uri", shown),
        );
    };
    match uri.scheme_str() {
        Some("https") => Ok(uri),
        Some("http") if is_allowed_http_host(host) => Ok(uri),
        Some("http") => Err(invalid(format!(
            "uses http with the host `{host}`, which is not allowed: http is allowed only for a \
             loopback address (127.0.0.0/8, ::1, localhost), 169.254.170.2, 169.254.170.23 or \
             fd00:ec2::23; use https for any other host"
        ))
        .with("uri", shown)),
        other => Err(invalid(format!(
            "has the scheme `{}`; only http and https are supported",
            other.unwrap_or_default()
        ))
        .with("uri", shown)),
    }
}

/// Whether `http://` may be used with `host` (as `http::Uri::host` gives it: IPv6 literals in
/// brackets). Syntactic only: IP literals and `localhost`, never a DNS lookup.
pub(crate) fn is_allowed_http_host(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => v6
            .parse::<Ipv6Addr>()
            .is_ok_and(|ip| ip.is_loopback() || ip == EKS_IPV6),
        None => host
            .parse::<Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback() || ip == ECS_IPV4 || ip == EKS_IPV4),
    }
}

/// `scheme://host:port/path` as written, without user-info or query (a query or user-info may
/// carry something private; the path and host are what a user needs to fix a setting).
pub(crate) fn display_uri(uri: &Uri) -> String {
    let mut out = String::new();
    if let Some(scheme) = uri.scheme_str() {
        out.push_str(scheme);
        out.push_str("://");
    }
    if let Some(host) = uri.host() {
        out.push_str(host);
    }
    if let Some(port) = uri.port_u16() {
        let _ = write!(out, ":{port}");
    }
    out.push_str(uri.path());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use awscred_types::FakeEnv;

    fn resolve(vars: &[(&str, &str)]) -> Result<String, CredentialsError> {
        let env: FakeEnv = vars.iter().copied().collect();
        resolve_uri(&env).map(|u| u.to_string())
    }

    #[test]
    fn relative_uri_is_appended_to_the_ecs_endpoint_with_its_query() {
        assert_eq!(
            resolve(&[(RELATIVE_URI_VAR, "/v2/credentials/abc-123")]).unwrap(),
            "http://169.254.170.2/v2/credentials/abc-123"
        );
        assert_eq!(
            resolve(&[(RELATIVE_URI_VAR, "/credentials?a=1&b=2")]).unwrap(),
            "http://169.254.170.2/credentials?a=1&b=2"
        );
        // `//host` after the endpoint is a path, not an authority.
        assert_eq!(
            resolve(&[(RELATIVE_URI_VAR, "//example.com/x")]).unwrap(),
            "http://169.254.170.2//example.com/x"
        );
        assert_eq!(
            resolve(&[
                (RELATIVE_URI_VAR, "/rel"),
                (FULL_URI_VAR, "http://127.0.0.1/full")
            ])
            .unwrap(),
            "http://169.254.170.2/rel"
        );
    }

    #[test]
    fn relative_uri_must_be_a_path() {
        for bad in [
            "credentials",
            "@example.com/x",
            ":8080/x",
            "http://example.com/",
        ] {
            let err = resolve(&[(RELATIVE_URI_VAR, bad)]).unwrap_err();
            assert!(err.is_invalid_configuration(), "{bad}: {err}");
            assert_eq!(err.field("key"), Some(RELATIVE_URI_VAR));
        }
        let err = resolve(&[(RELATIVE_URI_VAR, "/a b")]).unwrap_err();
        assert!(err.is_invalid_configuration(), "{err}");
    }

    #[test]
    fn unset_or_blank_is_not_loaded() {
        for env in [
            vec![],
            vec![(RELATIVE_URI_VAR, " "), (FULL_URI_VAR, "")],
            vec![(AUTH_TOKEN_FILE_VAR, "/missing"), (AUTH_TOKEN_VAR, "t")],
        ] {
            let err = resolve(&env).unwrap_err();
            assert!(err.is_not_loaded(), "{err}");
        }
    }

    #[test]
    fn http_hosts_follow_the_allow_list() {
        for ok in [
            "http://127.0.0.1/c",
            "http://127.0.0.1:8080/c",
            "http://127.1.2.3/c",
            "http://127.255.255.254/c",
            "http://localhost/c",
            "http://LOCALHOST:80/c",
            "http://[::1]:9/c",
            "http://[0:0:0:0:0:0:0:1]/c",
            "http://169.254.170.2/c",
            "http://169.254.170.23/v1/credentials",
            "http://[fd00:ec2::23]/v1/credentials",
            "http://[FD00:0EC2:0:0:0:0:0:23]/v1/credentials",
        ] {
            assert!(resolve(&[(FULL_URI_VAR, ok)]).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com/c",
            "http://169.254.169.254/latest/meta-data/",
            "http://169.254.170.3/c",
            "http://0.0.0.0/c",
            "http://10.0.0.1/c",
            "http://[fd00:ec2::24]/c",
            "http://[::ffff:127.0.0.1]/c",
            "http://localhost./c",
            "http://localhost.example.com/c",
            "http://127.0.0.1.nip.io/c",
            "http://2130706433/c",
            "http://0x7f000001/c",
        ] {
            let err = resolve(&[(FULL_URI_VAR, bad)]).unwrap_err();
            assert!(err.is_invalid_configuration(), "{bad}: {err}");
            assert_eq!(err.field("key"), Some(FULL_URI_VAR));
            assert!(err.field("uri").is_some(), "{err}");
            assert!(err.to_string().contains("not allowed"), "{err}");
        }
    }

    #[test]
    fn https_allows_any_host() {
        for ok in [
            "https://example.com/creds",
            "https://169.254.169.254/x",
            "https://mypersonalsite:8080/credentials",
        ] {
            assert_eq!(resolve(&[(FULL_URI_VAR, ok)]).unwrap(), ok);
        }
    }

    #[test]
    fn full_uri_errors_name_the_uri_without_userinfo_or_query() {
        let err =
            resolve(&[(FULL_URI_VAR, "http://user:pw@example.com:81/c?sig=abc")]).unwrap_err();
        assert_eq!(err.field("uri"), Some("http://example.com:81/c"));
        let shown = format!("{err} {err:?}");
        assert!(
            !shown.contains("pw") && !shown.contains("sig=abc"),
            "{shown}"
        );

        let err = resolve(&[(FULL_URI_VAR, "/credentials")]).unwrap_err();
        assert!(
            err.to_string().contains("URI did not specify a host"),
            "{err}"
        );
        assert_eq!(err.field("uri"), Some("/credentials"));

        let err = resolve(&[(FULL_URI_VAR, "ftp://localhost/c")]).unwrap_err();
        assert!(err.is_invalid_configuration());
        assert!(err.to_string().contains("`ftp`"), "{err}");

        let err = resolve(&[(FULL_URI_VAR, "http://exa mple/sec ret")]).unwrap_err();
        assert!(err.is_invalid_configuration());
        assert!(!err.to_string().contains("sec ret"), "{err}");
    }
}
