//! User accounts and API tokens.

use crate::auth::{generate_token, hash_password, hash_token};
use crate::{Catalog, Error, Result, page, require_user};
use kho_core::authz::{Actor, Permission, authorize};
use kho_core::input::{Fields, UserInput, id_or_name};
use kho_core::model::{ApiToken, User};
use kho_core::timefmt;
use kho_store::users::{self, UserRow};
use kho_store::{Handle, new_id};

/// A token just issued: the secret (shown once) and its record.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub record: ApiToken,
}

async fn find_user(conn: &mut dyn Handle, id: &str) -> Result<UserRow> {
    users::find(conn, id).await?.filter(|u| u.state != "deleted").ok_or_else(|| Error::not_found(format!("User {id}")))
}

impl Catalog {
    /// `user_create`: sysadmins create accounts.
    pub async fn user_create(&self, actor: &Actor, input: UserInput) -> Result<User> {
        authorize(actor, Permission::CreateUser)?;
        let hash = match &input.password {
            Some(p) => Some(hash_password(p.clone()).await?),
            None => None,
        };
        let mut tx = self.store().write().await?;
        if users::find(&mut tx, &input.name).await?.is_some() {
            return Err(Error::field("name", "That login name is not available."));
        }
        if users::find_by_email(&mut tx, &input.email).await?.is_some() {
            return Err(Error::field(
                "email",
                format!("The email address '{}' belongs to a registered user.", input.email),
            ));
        }
        let id = new_id();
        users::insert(
            &mut tx,
            &id,
            &input.name,
            &input.email,
            input.fullname.as_deref(),
            input.about.as_deref(),
            hash.as_deref(),
            input.sysadmin,
            &timefmt::now(),
        )
        .await?;
        let row = users::find(&mut tx, &id).await?.ok_or_else(|| Error::internal("user vanished"))?;
        self.commit(tx).await?;
        tracing::info!(user = %input.name, sysadmin = input.sysadmin, "created user");
        Ok(row.to_user(true, 0))
    }

    /// `user_show`: public profile; e-mail only to the user and sysadmins.
    pub async fn user_show(&self, actor: &Actor, id: &str) -> Result<User> {
        let mut conn = self.store().conn().await?;
        let row = find_user(&mut conn, id).await?;
        let private = authorize(actor, Permission::ReadUserPrivate { user_id: &row.id }).is_ok();
        let n = users::created_package_count(&mut conn, &row.id).await?;
        Ok(row.to_user(private, n))
    }

    /// `user_list`: names and profiles of active users.
    pub async fn user_list(&self, actor: &Actor, limit: Option<i64>, offset: Option<i64>) -> Result<Vec<User>> {
        let (limit, offset) = page(limit, offset, 100, 1000)?;
        let mut conn = self.store().conn().await?;
        let rows = users::list(&mut conn, limit, offset).await?;
        Ok(rows
            .iter()
            .map(|r| r.to_user(authorize(actor, Permission::ReadUserPrivate { user_id: &r.id }).is_ok(), 0))
            .collect())
    }

    /// Sets a user's password (CLI, or the user themself).
    pub async fn user_set_password(&self, actor: &Actor, user: &str, password: &str) -> Result<()> {
        if password.chars().count() < kho_core::input::PASSWORD_MIN {
            return Err(Error::field("password", "Your password must be 8 characters or longer"));
        }
        let mut conn = self.store().conn().await?;
        let row = find_user(&mut conn, user).await?;
        authorize(actor, Permission::ReadUserPrivate { user_id: &row.id })?;
        drop(conn);
        let hash = hash_password(password.to_string()).await?;
        let mut tx = self.store().write().await?;
        users::set_password(&mut tx, &row.id, &hash).await?;
        self.commit(tx).await
    }

    /// `api_token_create`: a new token for `user` (the actor themself, or
    /// anyone for sysadmins). `expires_in_secs` sets an expiry.
    pub async fn token_create(
        &self,
        actor: &Actor,
        user: &str,
        name: &str,
        expires_in_secs: Option<i64>,
    ) -> Result<IssuedToken> {
        require_user(actor, "api_token_create")?;
        if name.trim().is_empty() {
            return Err(Error::field("name", "Missing value"));
        }
        if name.chars().count() > 200 {
            return Err(Error::field("name", "Must be at most 200 characters long"));
        }
        let mut tx = self.store().write().await?;
        let row = find_user(&mut tx, user).await?;
        authorize(actor, Permission::ManageTokens { user_id: &row.id })?;
        let token = generate_token()?;
        let id = new_id();
        let now = time_now();
        let expires_at = match expires_in_secs {
            Some(s) if s <= 0 => return Err(Error::field("expires_in", "Must be a positive number")),
            Some(s) => Some(timefmt::format(now + std::time::Duration::from_secs(s as u64))),
            None => None,
        };
        let created = timefmt::format(now);
        users::insert_token(&mut tx, &id, &row.id, name.trim(), &hash_token(&token), &created, expires_at.as_deref())
            .await?;
        self.commit(tx).await?;
        tracing::info!(user = %row.name, token_id = %id, "issued API token");
        Ok(IssuedToken {
            token,
            record: ApiToken {
                id,
                name: name.trim().to_string(),
                user_id: row.id,
                created_at: created,
                last_access: None,
                expires_at,
            },
        })
    }

    /// `api_token_list`: a user's live tokens (never the secrets).
    pub async fn token_list(&self, actor: &Actor, user: &str) -> Result<Vec<ApiToken>> {
        require_user(actor, "api_token_list")?;
        let mut conn = self.store().conn().await?;
        let row = find_user(&mut conn, user).await?;
        authorize(actor, Permission::ManageTokens { user_id: &row.id })?;
        Ok(users::list_tokens(&mut conn, &row.id).await?)
    }

    /// `api_token_revoke`: by the token itself or by its id (`jti` in CKAN).
    /// Effective for the very next request, in every process.
    pub async fn token_revoke(&self, actor: &Actor, token: Option<&str>, id: Option<&str>) -> Result<()> {
        require_user(actor, "api_token_revoke")?;
        if token.is_none() && id.is_none() {
            return Err(Error::field("token", "Missing value: give token or jti"));
        }
        let hash = token.map(hash_token);
        let mut tx = self.store().write().await?;
        let found = users::find_token(&mut tx, id, hash.as_deref()).await?;
        let Some((token_id, owner)) = found else {
            return Err(Error::not_found("API token"));
        };
        authorize(actor, Permission::ManageTokens { user_id: &owner })?;
        users::revoke_token(&mut tx, &token_id, &timefmt::now()).await?;
        self.commit(tx).await?;
        tracing::info!(token_id = %token_id, "revoked API token");
        Ok(())
    }

    /// `user_create` from a request dictionary.
    pub async fn user_create_dict(&self, actor: &Actor, fields: Fields) -> Result<User> {
        authorize(actor, Permission::CreateUser)?;
        self.user_create(actor, UserInput::parse(fields)?).await
    }

    /// `user_show` from a request dictionary.
    pub async fn user_show_dict(&self, actor: &Actor, mut fields: Fields) -> Result<User> {
        let id = match fields.text("id", 200) {
            Some(id) => id,
            None => match actor.user_id() {
                Some(me) => me.to_string(),
                None => id_or_name(&mut fields, "id")?,
            },
        };
        self.user_show(actor, &id).await
    }
}

fn time_now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}
