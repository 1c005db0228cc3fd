//! Text from servers and files, as awscred prints it: an STS error message, a container error
//! body, an IMDS code, an SSO-OIDC error and the values `explain` shows reach the terminal
//! without control characters (no escape sequence, no bell) and cut short, saying how much was
//! cut. Peers are the fixture server; nothing leaves 127.0.0.1.
#![cfg(unix)]
#![allow(
    clippy::disallowed_methods,
    reason = "the test sets up files and runs the binary"
)]

use serde_json::json;

mod support;

/// An OSC title change, a screen clear, a bell, a bidirectional override, then 5,000 more
/// characters.
fn hostile() -> String {
    format!(
        "\u{1b}]0;owned\u{7}\u{1b}[2J\u{202e}evil\r\n{}",
        "A".repeat(5000)
    )
}

/// Nothing a terminal acts on, and the text was cut.
fn clean(what: &str, text: &str) {
    assert!(
        !text
            .chars()
            .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'),
        "{what}: {text:?}"
    );
    assert!(text.contains("more characters cut)"), "{what}: {text}");
    assert!(text.len() < 4000, "{what}: {} bytes", text.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn server_text_is_cleaned_and_cut() {
    let h = support::home(
        "server-text",
        "all",
        "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = SECRETBASE\n",
        "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n\
         [profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\n\
         [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n",
    );
    let text = hostile();
    let region = [("AWS_REGION", "eu-west-1")];

    // STS: an error response whose message is hostile.
    let body = format!(
        "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>{}</Message>\
         </Error></ErrorResponse>",
        text.replace('&', "&amp;").replace('<', "&lt;")
    );
    let sts = support::fixture(json!([{
        "request": {"method": "POST", "path": "/", "body_contains": ["Action=AssumeRole"]},
        "response": {"status": 403, "body": body}}]))
    .await;
    let url = sts.url();
    let (code, _, err) = support::run(
        &h,
        &["export-credentials", "--profile", "role"],
        &[("AWS_ENDPOINT_URL_STS", url.as_str()), region[0]],
    )
    .await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("AccessDenied from STS"), "{err}");
    clean("STS message", &err);
    sts.verify().unwrap();

    // The container endpoint: an error body.
    // (botocore's container provider tries three times.)
    let answer = json!({
        "request": {"method": "GET", "path": "/creds"},
        "response": {"status": 400, "json": {"code": "InvalidToken", "message": text}}});
    let container = support::fixture(json!([answer, answer, answer])).await;
    let uri = format!("{}/creds", container.url());
    let (code, _, err) = support::run(
        &h,
        &["export-credentials"],
        &[("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri.as_str())],
    )
    .await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("InvalidToken"), "{err}");
    clean("container error body", &err);
    container.verify().unwrap();

    // IMDS: a credentials document whose Code is not Success.
    let imds = support::fixture(json!([
        {"request": {"method": "PUT", "path": "/latest/api/token"}, "response": {"body": "T"}},
        {"request": {"method": "GET", "path": "/latest/meta-data/iam/security-credentials/"},
         "response": {"body": "role"}},
        {"request": {"method": "GET", "path": "/latest/meta-data/iam/security-credentials/role"},
         "response": {"json": {"Code": "Failed", "Message": text}}}]))
    .await;
    let imds_url = imds.url();
    let (code, _, err) = support::run(
        &h,
        &["export-credentials"],
        &[
            ("AWS_EC2_METADATA_DISABLED", "false"),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds_url.as_str()),
        ],
    )
    .await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("IMDS could not provide"), "{err}");
    clean("IMDS message", &err);
    imds.verify().unwrap();

    // SSO-OIDC: refreshing an expired token is refused with a hostile error code.
    let token_path = support::corp_sso_token_path(&h);
    std::fs::write(
        &token_path,
        json!({"startUrl": "https://corp.awsapps.com/start", "region": "eu-west-1",
               "accessToken": "OLD", "expiresAt": "2020-01-01T00:00:00Z",
               "refreshToken": "R", "clientId": "C", "clientSecret": "CS",
               "registrationExpiresAt": "2035-01-01T00:00:00Z"})
        .to_string(),
    )
    .unwrap();
    let oidc = support::fixture(json!([{
        "request": {"method": "POST", "path": "/token"},
        "response": {"status": 400, "json": {"error": text}}}]))
    .await;
    let oidc_url = oidc.url();
    let (_, _, err) = support::run(
        &h,
        &["export-credentials", "--profile", "sso", "-v"],
        &[("AWS_ENDPOINT_URL_SSO_OIDC", oidc_url.as_str())],
    )
    .await;
    oidc.verify().unwrap();
    assert!(err.contains("owned"), "the code is shown: {err}");
    // The log lines (-v) may hold anything of awscred's own; the server's code is cleaned.
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert!(err.contains("more characters cut)"), "{err}");

    // explain: values from the files.
    std::fs::write(
        h.join(".aws/config"),
        format!(
            "[profile shown]\nregion = \u{1b}]0;owned\u{7}eu-west-1\nrole_arn = arn:{}\n\
             source_profile = base\u{1b}[2J\n",
            "x".repeat(1000)
        ),
    )
    .unwrap();
    let (code, out, err) = support::run(&h, &["explain", "--profile", "shown"], &[]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("region = ]0;ownedeu-west-1"), "{out}");
    clean("explain", &out);
}
