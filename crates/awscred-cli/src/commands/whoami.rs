//! `awscred whoami`: STS GetCallerIdentity with the resolved credentials.

use awscred_sts::StsClient;
use awscred_types::{CredentialsError, Sources};

use crate::args::SessionArgs;
use crate::chain::{chain, resolve_once, runtime};
use crate::render::mask_key_id;

/// `awscred whoami`: `GetCallerIdentity` with the resolved credentials.
pub(crate) fn run(
    profile: Option<&str>,
    json: bool,
    session: &SessionArgs,
) -> Result<(), CredentialsError> {
    let chain = chain(profile, session)?;
    let name = chain.selected_profile().name().to_owned();
    let profiles = chain.profiles().clone();
    runtime()?.block_on(async move {
        let creds = resolve_once(&chain).await?;
        let sts = StsClient::builder(&Sources::system())
            .profile(&profiles.view(&name))
            .build()?;
        let who = sts.get_caller_identity(&creds).await?;
        if json {
            let out = serde_json::json!({
                "Account": who.account,
                "Arn": who.arn,
                "UserId": who.user_id,
                "Provider": creds.provider_name(),
                "Profile": name,
            });
            outln!("{out:#}");
        } else {
            outln!("account   {}", who.account);
            outln!("arn       {}", who.arn);
            outln!("user id   {}", who.user_id);
            outln!(
                "provider  {} (profile {name}, key {})",
                creds.provider_name(),
                mask_key_id(creds.access_key_id())
            );
        }
        Ok(())
    })
}
