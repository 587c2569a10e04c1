//! Authentication: API tokens and passwords.
//!
//! Tokens are 32 random bytes shown once as `kho_<64 hex>`; only their
//! SHA-256 is stored, and a request's token is looked up by that hash.
//! A fast hash is right here: the token has 256 bits of entropy, so there is
//! nothing to brute-force, and every API request pays the cost. Passwords,
//! which people choose, get Argon2id.

use crate::{Catalog, Error, Result};
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use kho_core::authz::Actor;
use kho_store::users::{self, TokenLookup};
use sha2::{Digest, Sha256};

/// Prefix of every Kho API token. NEVER CHANGE IT: tools that scan for
/// leaked secrets look for it, and existing tokens carry it.
pub const TOKEN_PREFIX: &str = "kho_";

/// A new random token (the secret the user keeps).
pub fn generate_token() -> Result<String> {
    Ok(format!("{TOKEN_PREFIX}{}", random_hex(32)?))
}

/// The stored form of a token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// Hashes a password with Argon2id (off the async threads: it takes tens of ms).
pub async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        argon2::Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| Error::internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(Error::internal)?
}

/// Checks a password against a stored Argon2 hash.
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        argon2::Argon2::default().verify_password(password.as_bytes(), hash.as_str()).is_ok()
    })
    .await
    .unwrap_or(false)
}

impl Catalog {
    /// The actor behind an API token. An unknown, revoked or expired token,
    /// or one whose user is deleted, is refused outright rather than
    /// treated as anonymous, so a client learns at once that its token died.
    pub async fn actor_for_token(&self, token: &str) -> Result<Actor> {
        let token = token.trim();
        let token = token.strip_prefix("Bearer ").or_else(|| token.strip_prefix("bearer ")).unwrap_or(token).trim();
        if token.is_empty() {
            return Ok(Actor::anonymous());
        }
        let mut conn = self.store().conn().await?;
        match users::actor_for_token(&mut conn, &hash_token(token), &kho_core::timefmt::now()).await? {
            TokenLookup::Valid(actor) => Ok(actor),
            TokenLookup::Unknown => Err(Error::forbidden("Invalid or revoked API token")),
            TokenLookup::Expired => Err(Error::forbidden("API token has expired")),
            TokenLookup::UserInactive => Err(Error::forbidden("The account of this API token is not active")),
        }
    }

    /// The actor for a user name and password (web login).
    pub async fn actor_for_password(&self, name: &str, password: &str) -> Result<Actor> {
        let denied = || Error::forbidden("Wrong user name or password");
        let mut conn = self.store().conn().await?;
        let user = users::find(&mut conn, name).await?.filter(|u| u.state == "active");
        let Some(user) = user else {
            // Spend the same time as a real check, so timing does not tell
            // which user names exist.
            let _ = verify_password(password.to_string(), DUMMY_HASH.to_string()).await;
            return Err(denied());
        };
        let Some(hash) = user.password_hash.clone() else { return Err(denied()) };
        if !verify_password(password.to_string(), hash).await {
            return Err(denied());
        }
        Ok(users::actor_for_user(&mut conn, &user).await?)
    }

    /// The actor for a user name (CLI commands acting as a user).
    pub async fn actor_for_user(&self, name: &str) -> Result<Actor> {
        let mut conn = self.store().conn().await?;
        let user = users::find(&mut conn, name).await?.ok_or_else(|| Error::not_found(format!("User {name}")))?;
        Ok(users::actor_for_user(&mut conn, &user).await?)
    }
}

/// How long a portal session lasts without a new login.
pub const SESSION_SECS: i64 = 7 * 24 * 3600;

/// A session just started: the cookie secret and the CSRF token of its forms.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub secret: String,
    pub csrf: String,
}

/// `n` random bytes as hex.
fn random_hex(n: usize) -> Result<String> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| Error::internal(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

/// A random CSRF token for a visitor who is not signed in.
pub fn new_csrf_token() -> Result<String> {
    random_hex(24)
}

impl Catalog {
    /// Starts a web session for a signed-in user. The secret goes in the
    /// cookie; only its hash is stored.
    pub async fn session_start(&self, actor: &Actor) -> Result<NewSession> {
        let user = actor.user.as_ref().filter(|u| !u.id.is_empty()).ok_or_else(|| Error::forbidden("Not signed in"))?;
        let secret = random_hex(32)?;
        let csrf = random_hex(24)?;
        let now = time::OffsetDateTime::now_utc();
        let expires = kho_core::timefmt::format(now + time::Duration::seconds(SESSION_SECS));
        let mut tx = self.store().write().await?;
        kho_store::sessions::prune(&mut tx, &kho_core::timefmt::format(now)).await?;
        kho_store::sessions::create(
            &mut tx,
            &hash_token(&secret),
            &user.id,
            &csrf,
            &kho_core::timefmt::format(now),
            &expires,
        )
        .await?;
        tx.commit().await?;
        Ok(NewSession { secret, csrf })
    }

    /// The actor and CSRF token of a session cookie; `None` when the
    /// session is unknown, expired, or its user is no longer active.
    pub async fn actor_for_session(&self, secret: &str) -> Result<Option<(Actor, String)>> {
        let mut conn = self.store().conn().await?;
        let Some(session) =
            kho_store::sessions::find(&mut conn, &hash_token(secret), &kho_core::timefmt::now()).await?
        else {
            return Ok(None);
        };
        let Some(user) = users::find(&mut conn, &session.user_id).await?.filter(|u| u.state == "active") else {
            return Ok(None);
        };
        Ok(Some((users::actor_for_user(&mut conn, &user).await?, session.csrf)))
    }

    /// Ends a session (logout).
    pub async fn session_end(&self, secret: &str) -> Result<()> {
        let mut tx = self.store().write().await?;
        kho_store::sessions::delete(&mut tx, &hash_token(secret)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds counted page views to datasets.
    pub async fn record_views(&self, counts: &[(String, i64)]) -> Result<()> {
        if counts.is_empty() {
            return Ok(());
        }
        let mut tx = self.store().write().await?;
        kho_store::sessions::add_views(&mut tx, counts).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The most viewed public datasets, as stored `package_show` documents.
    pub async fn most_viewed(&self, limit: i64) -> Result<Vec<String>> {
        let mut conn = self.store().conn().await?;
        Ok(kho_store::sessions::most_viewed_public(&mut conn, limit).await?)
    }
}

/// An Argon2id hash of a random string, verified against when the user does
/// not exist.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2Ph1tEfJ1rr7P7oCdCb4C1tLb3mdtNjbFdrZ2bXfYVE";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_random_and_hashed() {
        let a = generate_token().unwrap();
        let b = generate_token().unwrap();
        assert!(a.starts_with("kho_") && a.len() == 68);
        assert_ne!(a, b);
        assert_eq!(hash_token(&a), hash_token(&format!(" {a} ")));
        assert_ne!(hash_token(&a), hash_token(&b));
    }

    #[tokio::test]
    async fn passwords_verify() {
        let h = hash_password("mật khẩu dài".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("mật khẩu dài".into(), h.clone()).await);
        assert!(!verify_password("wrong".into(), h).await);
        assert!(!verify_password("x".into(), DUMMY_HASH.into()).await);
    }
}
