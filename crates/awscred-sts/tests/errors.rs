//! STS answers moto cannot give, served by the fixture server: error classification and retries.

use awscred_http::RetryConfig;
use awscred_sts::{AssumeRoleRequest, Endpoint, StsClient, StsServiceError, TemporaryCredentials};
use awscred_test::fixture_server::{FixtureServer, Recording};
use awscred_types::{Credentials, CredentialsError, Sources};

/// Sources with an empty environment (no proxy or retry settings from the machine).
fn sources() -> Sources {
    Sources::default().with_env(std::sync::Arc::new(awscred_test::FakeEnv::new()))
}

fn error_body(code: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>\
         <Code>{code}</Code><Message>{code} message</Message></Error><RequestId>r</RequestId></ErrorResponse>"
    )
}

fn exchange(status: u16, body: String) -> serde_json::Value {
    serde_json::json!({"request": {"method": "POST", "path": "/", "body_contains": ["Action=AssumeRole"]},
                       "response": {"status": status, "body": body}})
}

/// The fixture server answering `exchanges` in order.
async fn server(exchanges: serde_json::Value) -> FixtureServer {
    let rec: Recording =
        serde_json::from_value(serde_json::json!({ "exchanges": exchanges })).unwrap();
    FixtureServer::start(rec).await
}

fn client(url: &str, attempts: u32) -> StsClient {
    StsClient::builder(&sources())
        .endpoint(Endpoint::new(url, "eu-west-1"))
        .retry(RetryConfig::new(
            awscred_http::RetryMode::Standard,
            Some(attempts),
        ))
        .build()
        .unwrap()
}

fn source() -> Credentials {
    Credentials::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        "test",
    )
}

/// [`source`] assumes role `r` (session `s`) through `client`.
async fn assume_r(client: &StsClient) -> Result<TemporaryCredentials, CredentialsError> {
    let request = AssumeRoleRequest::new("arn:aws:iam::123456789012:role/r", "s");
    client.assume_role(&source(), &request, "assume-role").await
}

const SUCCESS: &str = "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIA1</AccessKeyId>\
    <SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration>\
    </Credentials><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId>\
    </AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>";

#[tokio::test]
async fn region_disabled_is_a_configuration_error() {
    let server = server(serde_json::json!([exchange(
        403,
        error_body("RegionDisabledException")
    )]))
    .await;
    let err = assume_r(&client(&server.url(), 3)).await.unwrap_err();
    server.verify().unwrap();
    assert!(err.is_invalid_configuration(), "{err}");
    assert_eq!(
        StsServiceError::of(&err).unwrap().code,
        "RegionDisabledException"
    );
    assert!(
        err.to_string()
            .contains("assuming arn:aws:iam::123456789012:role/r"),
        "{err}"
    );
}

#[tokio::test]
async fn throttling_in_a_400_body_is_retried_then_succeeds() {
    let server = server(serde_json::json!([
        exchange(400, error_body("Throttling")),
        exchange(200, SUCCESS.into())
    ]))
    .await;
    let out = assume_r(&client(&server.url(), 3)).await.unwrap();
    server.verify().unwrap();
    assert_eq!(out.credentials.access_key_id(), "ASIA1");
}

#[tokio::test]
async fn access_denied_is_not_retried_and_unreadable_bodies_are_not_quoted() {
    let server = server(serde_json::json!([
        exchange(403, error_body("AccessDenied")),
        exchange(500, "<html>SECRET-ECHO</html>".into()),
        exchange(
            200,
            "<AssumeRoleResponse><Credentials><AccessKeyId>A".into()
        )
    ]))
    .await;
    let c = client(&server.url(), 1);
    let err = assume_r(&c).await.unwrap_err();
    assert_eq!(
        (
            err.kind_name(),
            StsServiceError::of(&err).unwrap().code.as_str()
        ),
        ("ProviderError", "AccessDenied")
    );
    let err = assume_r(&c).await.unwrap_err();
    assert!(
        err.to_string().contains("HTTP 500") && !err.to_string().contains("SECRET-ECHO"),
        "{err}"
    );
    let err = assume_r(&c).await.unwrap_err();
    assert!(
        err.to_string().contains("unreadable AssumeRole response"),
        "{err}"
    );
    server.verify().unwrap();
}

/// A server that accepts and never answers: the error a user sees without `-v` names the
/// call, the last cause with its limit, the URL and the attempts.
#[tokio::test]
async fn a_timeout_names_the_last_cause_and_the_url() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let http = awscred_http::HttpClient::builder()
        .read_timeout(std::time::Duration::from_millis(300))
        .build()
        .unwrap();
    let client = StsClient::builder(&sources())
        .endpoint(Endpoint::new(&url, "eu-west-1"))
        .http(http)
        .retry(RetryConfig::new(awscred_http::RetryMode::Standard, Some(2)))
        .build()
        .unwrap();
    let err = assume_r(&client).await.unwrap_err();
    hold.abort();
    assert!(err.is_timed_out(), "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "calling STS AssumeRole failed: timed out waiting for the response headers after \
             300 ms (read timeout) (url: {url}/, attempts: 2)"
        )
    );
}
