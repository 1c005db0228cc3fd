//! Behaviour the aws-c-auth vectors do not pin: never-signed headers, trimall, session-token
//! modes, presigning, the key cache, payload options, host rules, errors and redaction, plus
//! three signatures computed by botocore 1.43.11 (`SigV4Auth` / `SigV4QueryAuth` with the clock
//! fixed at 2015-08-30T12:36:00Z) as a cross-check against another implementation.

use std::time::{Duration, SystemTime};

use awscred_sigv4::{
    PayloadHash, SessionTokenMode, SignableRequest, Signer, SigningError, SigningKey,
    SigningParams, SigningSettings, sign, sign_request,
};
use http::{HeaderMap, Request};

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "session-token/with+chars=";
/// 2015-08-30T12:36:00Z, the suite's time.
const T0: u64 = 1_440_938_160;

fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

fn params(service: &'static str) -> SigningParams<'static> {
    SigningParams::new(AKID, SECRET, "us-east-1", service, at(T0))
}

fn header<'r, B>(request: &'r Request<B>, name: &str) -> &'r str {
    request.headers()[name].to_str().unwrap()
}

fn signed_headers(authorization: &str) -> &str {
    let start = authorization.find("SignedHeaders=").unwrap() + "SignedHeaders=".len();
    authorization[start..].split(',').next().unwrap()
}

fn query_param<'u>(uri: &'u http::Uri, name: &str) -> Vec<&'u str> {
    uri.query()
        .unwrap_or("")
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .collect()
}

const ASSUME_ROLE_BODY: &[u8] = b"Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo&RoleSessionName=awscred-test";

fn assume_role_request() -> Request<()> {
    Request::post("https://sts.us-east-1.amazonaws.com/")
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .body(())
        .unwrap()
}

#[test]
fn botocore_assume_role_with_session_token() {
    let mut request = assume_role_request();
    let params = params("sts").with_session_token(Some(TOKEN));
    let signature = sign(&mut request, ASSUME_ROLE_BODY, &params).unwrap();
    assert_eq!(
        header(&request, "authorization"),
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/sts/aws4_request, \
         SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, \
         Signature=1699746c06ea5ffcf5adc5b9c9509d4e65cf2a2a000655b7a6711db48699bcd2"
    );
    assert_eq!(
        signature.as_str(),
        "1699746c06ea5ffcf5adc5b9c9509d4e65cf2a2a000655b7a6711db48699bcd2"
    );
    assert_eq!(header(&request, "x-amz-date"), "20150830T123600Z");
    assert_eq!(header(&request, "x-amz-security-token"), TOKEN);
    assert!(request.headers()["authorization"].is_sensitive());
    assert!(request.headers()["x-amz-security-token"].is_sensitive());
}

#[test]
fn botocore_presigned_get_caller_identity() {
    let mut request = Request::get(
        "https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
    )
    .body(())
    .unwrap();
    let settings = SigningSettings::default().presigned(Duration::from_secs(900));
    let params = params("sts")
        .with_session_token(Some(TOKEN))
        .with_settings(settings);
    let signature = sign(&mut request, b"", &params).unwrap();
    assert_eq!(
        signature.as_str(),
        "0b76e75ab2ac3a30ed731b82e4ff7dd0c679bd1db19ec9acdff278a227379a52"
    );
    let uri = request.uri();
    assert_eq!(query_param(uri, "X-Amz-Expires"), ["900"]);
    assert_eq!(
        query_param(uri, "X-Amz-Security-Token"),
        ["session-token%2Fwith%2Bchars%3D"]
    );
    assert_eq!(query_param(uri, "X-Amz-Signature"), [signature.as_str()]);
    assert_eq!(query_param(uri, "Action"), ["GetCallerIdentity"]);
    assert!(request.headers().is_empty(), "query signing adds no header");
}

#[test]
fn botocore_normalised_path_trimall_and_user_agent() {
    let mut request = Request::get("https://example.amazonaws.com/a//b/../c%20d/")
        .header("x-custom", "  a   b  ")
        .header("user-agent", "x")
        .body(())
        .unwrap();
    sign(&mut request, b"", &params("service")).unwrap();
    assert_eq!(
        header(&request, "authorization"),
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
         SignedHeaders=host;x-amz-date;x-custom, \
         Signature=0dd1bdfa3a59f46c31da9ff85edd7f9a0e7a14b5e1ce6df7e7f8aca401c3019f"
    );
}

#[test]
fn never_signed_headers_are_left_out_even_when_present() {
    let never = [
        "user-agent",
        "expect",
        "transfer-encoding",
        "connection",
        "x-amzn-trace-id",
        "te",
        "upgrade",
        "keep-alive",
        "traceparent",
        "tracestate",
        "baggage",
        "trailer",
        "proxy-authorization",
        "proxy-connection",
        "authorization",
    ];
    let plain = || {
        Request::get("https://example.amazonaws.com/")
            .header("x-custom", "1")
            .body(())
            .unwrap()
    };
    let mut with_all = plain();
    for name in never {
        with_all
            .headers_mut()
            .insert(name, "value".parse().unwrap());
    }
    let mut without = plain();
    let signature = sign(&mut with_all, b"", &params("service")).unwrap();
    assert_eq!(
        signature,
        sign(&mut without, b"", &params("service")).unwrap()
    );
    assert_eq!(
        signed_headers(header(&with_all, "authorization")),
        "host;x-amz-date;x-custom"
    );
    for name in never.iter().filter(|n| **n != "authorization") {
        assert_eq!(
            header(&with_all, name),
            "value",
            "{name} is kept on the request"
        );
    }

    // The same holds for presigning.
    let settings = SigningSettings::default().presigned(Duration::from_secs(60));
    let mut presigned = plain();
    for name in never {
        presigned
            .headers_mut()
            .insert(name, "value".parse().unwrap());
    }
    sign(
        &mut presigned,
        b"",
        &params("service").with_settings(settings),
    )
    .unwrap();
    assert_eq!(
        query_param(presigned.uri(), "X-Amz-SignedHeaders"),
        ["host%3Bx-custom"]
    );
}

#[test]
fn header_values_are_trimmed_collapsed_and_joined() {
    let mut headers = HeaderMap::new();
    headers.append("x-a", "  a   b \t c  ".parse().unwrap());
    headers.append("x-b", "one".parse().unwrap());
    headers.append("x-b", "  two  ".parse().unwrap());
    headers.append("X-C", "\"quoted   text\"".parse().unwrap());
    let request = SignableRequest::new("GET", "/", "", &headers, b"").with_host("example.com");
    let output = sign_request(&request, &params("service")).unwrap();
    let creq = output.canonical_request();
    assert!(creq.contains("\nx-a:a b c\n"), "{creq}");
    assert!(creq.contains("\nx-b:one,two\n"), "{creq}");
    assert!(creq.contains("\nx-c:\"quoted text\"\n"), "{creq}");

    // Same signature as the already-trimmed request.
    let mut trimmed = HeaderMap::new();
    trimmed.append("x-a", "a b c".parse().unwrap());
    trimmed.append("x-b", "one".parse().unwrap());
    trimmed.append("x-b", "two".parse().unwrap());
    trimmed.append("x-c", "\"quoted text\"".parse().unwrap());
    let request = SignableRequest::new("GET", "/", "", &trimmed, b"").with_host("example.com");
    assert_eq!(
        sign_request(&request, &params("service"))
            .unwrap()
            .signature(),
        output.signature()
    );
}

#[test]
fn session_token_included_or_excluded_with_header_signing() {
    for mode in [SessionTokenMode::Include, SessionTokenMode::Exclude] {
        let mut settings = SigningSettings::default();
        settings.session_token = mode;
        let params = params("service")
            .with_session_token(Some(TOKEN))
            .with_settings(settings);
        let mut request = Request::get("https://example.amazonaws.com/")
            .body(())
            .unwrap();
        let output = sign_request(&SignableRequest::from_http(&request, b""), &params).unwrap();
        sign(&mut request, b"", &params).unwrap();
        let signed = signed_headers(header(&request, "authorization")).to_owned();
        assert_eq!(header(&request, "x-amz-security-token"), TOKEN, "{mode:?}");
        let in_creq = output
            .canonical_request()
            .contains(&format!("\nx-amz-security-token:{TOKEN}\n"));
        match mode {
            SessionTokenMode::Include => {
                assert_eq!(signed, "host;x-amz-date;x-amz-security-token");
                assert!(in_creq);
            }
            _ => {
                assert_eq!(signed, "host;x-amz-date");
                assert!(!in_creq);
            }
        }
    }
}

#[test]
fn session_token_included_or_excluded_with_query_signing() {
    for mode in [SessionTokenMode::Include, SessionTokenMode::Exclude] {
        let mut settings = SigningSettings::default().presigned(Duration::from_secs(300));
        settings.session_token = mode;
        let params = params("service")
            .with_session_token(Some(TOKEN))
            .with_settings(settings);
        let request = Request::get("https://example.amazonaws.com/")
            .body(())
            .unwrap();
        let output = sign_request(&SignableRequest::from_http(&request, b""), &params).unwrap();
        let mut request = request;
        output.apply_to(&mut request).unwrap();
        let encoded = "session-token%2Fwith%2Bchars%3D";
        assert_eq!(
            query_param(request.uri(), "X-Amz-Security-Token"),
            [encoded],
            "{mode:?}"
        );
        let in_creq = output
            .canonical_request()
            .contains(&format!("X-Amz-Security-Token={encoded}"));
        assert_eq!(in_creq, mode == SessionTokenMode::Include, "{mode:?}");
    }
}

#[test]
fn presigning_sets_expires_and_replaces_earlier_signing_parameters() {
    let settings = SigningSettings::default().presigned(Duration::from_secs(900));
    let mut request = Request::get("https://example.amazonaws.com/path?b=2&a=1")
        .body(())
        .unwrap();
    let first = sign(
        &mut request,
        b"",
        &params("service").with_settings(settings),
    )
    .unwrap();
    let output = sign_request(
        &SignableRequest::from_http(&request, b""),
        &params("service")
            .with_settings(settings.presigned(Duration::from_secs(60)))
            .with_time(at(T0 + 10)),
    )
    .unwrap();
    assert!(output.canonical_request().contains("&X-Amz-Expires=60&"));
    assert!(!output.canonical_request().contains("X-Amz-Signature"));
    output.apply_to(&mut request).unwrap();
    let uri = request.uri();
    for name in [
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
    ] {
        assert_eq!(query_param(uri, name).len(), 1, "{name} once in {uri}");
    }
    assert_eq!(query_param(uri, "X-Amz-Expires"), ["60"]);
    assert_eq!(query_param(uri, "X-Amz-Date"), ["20150830T123610Z"]);
    assert_ne!(query_param(uri, "X-Amz-Signature"), [first.as_str()]);
    assert_eq!(query_param(uri, "b"), ["2"]);
    assert_eq!(query_param(uri, "a"), ["1"]);
    assert_eq!(uri.path(), "/path");
}

#[test]
fn signer_cache_agrees_with_one_shot_signing() {
    let signer = Signer::new();
    let sign_both = |params: &SigningParams<'_>| {
        let mut a = assume_role_request();
        let mut b = assume_role_request();
        let cached = signer.sign(&mut a, ASSUME_ROLE_BODY, params).unwrap();
        let fresh = sign(&mut b, ASSUME_ROLE_BODY, params).unwrap();
        assert_eq!(cached, fresh, "{params:?}");
        cached
    };
    let day1 = sign_both(&params("sts"));
    assert_eq!(
        day1,
        sign_both(&params("sts")),
        "same inputs, same signature"
    );
    // Later the same day: the key is reused, the signature changes with the time.
    let later = sign_both(&params("sts").with_time(at(T0 + 3600)));
    assert_ne!(later, day1);
    // The next day, another region, another service, another secret: a new key each time.
    sign_both(&params("sts").with_time(at(T0 + 86_400)));
    sign_both(&SigningParams::new(
        AKID,
        SECRET,
        "eu-west-1",
        "sts",
        at(T0),
    ));
    sign_both(&SigningParams::new(
        AKID,
        SECRET,
        "us-east-1",
        "iam",
        at(T0),
    ));
    sign_both(&SigningParams::new(
        AKID,
        "another-secret",
        "us-east-1",
        "sts",
        at(T0),
    ));
    sign_both(&params("sts"));

    let key = SigningKey::derive(SECRET, at(T0), "us-east-1", "sts").unwrap();
    assert!(key.is_for(at(T0 + 3600), "us-east-1", "sts"));
    assert!(!key.is_for(at(T0 + 86_400), "us-east-1", "sts"));
    assert!(!key.is_for(at(T0), "us-west-2", "sts"));
    let output = sign_request(
        &SignableRequest::from_http(&assume_role_request(), ASSUME_ROLE_BODY),
        &params("sts"),
    )
    .unwrap();
    assert_eq!(
        key.sign(output.string_to_sign().as_bytes()),
        output.signature()
    );
    assert_eq!(
        signer
            .sign_request(
                &SignableRequest::from_http(&assume_role_request(), ASSUME_ROLE_BODY),
                &params("sts")
            )
            .unwrap()
            .signature(),
        output.signature()
    );
}

#[test]
fn payload_options() {
    let body = b"Param1=value1";
    let body_hash = "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e";
    let request = || {
        Request::post("https://example.amazonaws.com/")
            .body(())
            .unwrap()
    };

    // Default: the body hash ends the canonical request, no header.
    let output = sign_request(
        &SignableRequest::from_http(&request(), body),
        &params("service"),
    )
    .unwrap();
    assert!(
        output
            .canonical_request()
            .ends_with(&format!("\n{body_hash}"))
    );
    assert!(
        output
            .headers()
            .iter()
            .all(|(n, _)| n != "x-amz-content-sha256")
    );

    // UNSIGNED-PAYLOAD, sent as x-amz-content-sha256 and signed.
    let mut settings = SigningSettings::s3();
    settings.payload = PayloadHash::Unsigned;
    let mut signed = request();
    let output = sign_request(
        &SignableRequest::from_http(&signed, body),
        &params("s3").with_settings(settings),
    )
    .unwrap();
    assert!(output.canonical_request().ends_with("\nUNSIGNED-PAYLOAD"));
    assert!(
        output
            .canonical_request()
            .contains("\nx-amz-content-sha256:UNSIGNED-PAYLOAD\n")
    );
    sign(&mut signed, body, &params("s3").with_settings(settings)).unwrap();
    assert_eq!(header(&signed, "x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
    assert_eq!(
        signed_headers(header(&signed, "authorization")),
        "host;x-amz-content-sha256;x-amz-date"
    );

    // The body hash in x-amz-content-sha256 replaces a stale value.
    let mut settings = SigningSettings::default();
    settings.content_sha256_header = true;
    let mut signed = request();
    signed
        .headers_mut()
        .insert("x-amz-content-sha256", "stale".parse().unwrap());
    sign(
        &mut signed,
        body,
        &params("service").with_settings(settings),
    )
    .unwrap();
    assert_eq!(header(&signed, "x-amz-content-sha256"), body_hash);
}

#[test]
fn s3_settings_neither_normalise_nor_encode_again() {
    let request = Request::get("https://bucket.s3.amazonaws.com/a//b/../key%20name.txt")
        .body(())
        .unwrap();
    let signable = SignableRequest::from_http(&request, b"");
    let s3 = sign_request(
        &signable,
        &params("s3").with_settings(SigningSettings::s3()),
    )
    .unwrap();
    assert!(
        s3.canonical_request()
            .starts_with("GET\n/a//b/../key%20name.txt\n")
    );
    let other = sign_request(&signable, &params("service")).unwrap();
    assert!(
        other
            .canonical_request()
            .starts_with("GET\n/a/key%2520name.txt\n")
    );
}

#[test]
fn host_comes_from_the_host_header_or_the_uri_without_default_port_or_user_info() {
    let host_line = |uri: &str, host_header: Option<&str>| {
        let mut builder = Request::get(uri);
        if let Some(host) = host_header {
            builder = builder.header("host", host);
        }
        let request = builder.body(()).unwrap();
        let output = sign_request(
            &SignableRequest::from_http(&request, b""),
            &params("service"),
        )
        .unwrap();
        output
            .canonical_request()
            .lines()
            .find_map(|l| l.strip_prefix("host:"))
            .unwrap()
            .to_owned()
    };
    assert_eq!(host_line("https://example.com:443/", None), "example.com");
    assert_eq!(host_line("http://example.com:80/", None), "example.com");
    assert_eq!(
        host_line("http://example.com:443/", None),
        "example.com:443"
    );
    assert_eq!(host_line("https://127.0.0.1:8443/", None), "127.0.0.1:8443");
    assert_eq!(
        host_line("https://user:pw@example.com/", None),
        "example.com"
    );
    assert_eq!(
        host_line("https://example.com/", Some("other.example.com")),
        "other.example.com"
    );
}

#[test]
fn errors_name_the_problem_and_never_the_secret() {
    let mut relative = Request::get("/path").body(()).unwrap();
    assert_eq!(
        sign(&mut relative, b"", &params("service")),
        Err(SigningError::MissingHost)
    );

    let before_epoch = SystemTime::UNIX_EPOCH - Duration::from_secs(1);
    let mut request = Request::get("https://example.com/").body(()).unwrap();
    assert!(matches!(
        sign(
            &mut request,
            b"",
            &params("service").with_time(before_epoch)
        ),
        Err(SigningError::TimeOutOfRange(_))
    ));

    let bad_token = "token-with\nnewline-SECRETPART";
    let mut request = Request::get("https://example.com/").body(()).unwrap();
    let error = sign(
        &mut request,
        b"",
        &params("service").with_session_token(Some(bad_token)),
    )
    .unwrap_err();
    assert_eq!(
        error,
        SigningError::InvalidHeaderValue("x-amz-security-token")
    );
    let message = error.to_string();
    assert!(message.contains("x-amz-security-token"), "{message}");
    assert!(!message.contains("SECRETPART"), "{message}");
    assert!(
        request.headers().is_empty(),
        "a failed signature leaves the request alone"
    );
}

#[test]
fn debug_output_never_contains_the_secret_or_the_token() {
    let params = params("sts").with_session_token(Some(TOKEN));
    let mut request = assume_role_request();
    request
        .headers_mut()
        .insert("x-amz-security-token", TOKEN.parse().unwrap());
    let signer = Signer::new();
    signer
        .sign(&mut assume_role_request(), ASSUME_ROLE_BODY, &params)
        .unwrap();
    let output = sign_request(
        &SignableRequest::from_http(&request, ASSUME_ROLE_BODY),
        &params,
    )
    .unwrap();
    let presign = SigningSettings::default().presigned(Duration::from_secs(60));
    let mut presigned = assume_role_request();
    sign(
        &mut presigned,
        ASSUME_ROLE_BODY,
        &params.with_settings(presign),
    )
    .unwrap();
    let presigned_output = sign_request(
        &SignableRequest::from_http(&presigned, ASSUME_ROLE_BODY),
        &params.with_settings(presign),
    )
    .unwrap();

    let printed = [
        format!("{params:?}"),
        format!("{signer:?}"),
        format!(
            "{:?}",
            SigningKey::derive(SECRET, at(T0), "us-east-1", "sts").unwrap()
        ),
        format!("{output:?}"),
        format!("{presigned_output:?}"),
        format!(
            "{:?}",
            SignableRequest::from_http(&request, ASSUME_ROLE_BODY)
        ),
        format!(
            "{:?}",
            SignableRequest::from_http(&presigned, ASSUME_ROLE_BODY)
        ),
        output.canonical_request_redacted(),
        presigned_output.canonical_request_redacted(),
    ];
    for text in &printed {
        assert!(!text.contains(SECRET), "secret in {text}");
        assert!(!text.contains("session-token"), "token in {text}");
    }
    assert!(
        output.canonical_request().contains(TOKEN),
        "the raw form keeps it"
    );
    assert!(
        output
            .canonical_request_redacted()
            .contains("x-amz-security-token:<redacted>")
    );
    assert!(printed[0].contains(AKID) && printed[0].contains("redacted"));
}
