//! Users, API tokens, and loading an [`Actor`] with its effective roles.

use crate::{Handle, Sql, StoreError, flag};
use kho_core::authz::{Actor, ActorUser};
use kho_core::model::{ApiToken, User};
use kho_core::vocab::{Capacity, Vocabulary};
use sqlx::FromRow;

crate::sqlite_row!(UserRow { id, name, fullname, email, about, password_hash, sysadmin, state, created });
crate::sqlite_row!(TokenRow { id, user_id, name, created, last_access, expires_at });
crate::sqlite_row!(ActorRow { id, name, sysadmin, state, expires_at });
use std::collections::BTreeMap;

/// A user row.
#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: String,
    pub name: String,
    pub fullname: Option<String>,
    pub email: Option<String>,
    pub about: Option<String>,
    pub password_hash: Option<String>,
    pub sysadmin: i64,
    pub state: String,
    pub created: String,
}

impl UserRow {
    /// The API shape; `with_email` decides whether the e-mail is shown.
    pub fn to_user(&self, with_email: bool, number_created_packages: i64) -> User {
        User {
            id: self.id.clone(),
            name: self.name.clone(),
            display_name: self.fullname.clone().filter(|f| !f.is_empty()).unwrap_or_else(|| self.name.clone()),
            fullname: self.fullname.clone(),
            about: self.about.clone(),
            created: self.created.clone(),
            email: if with_email { self.email.clone() } else { None },
            sysadmin: flag(self.sysadmin),
            state: self.state.clone(),
            image_display_url: String::new(),
            number_created_packages,
            activity_streams_email_notifications: false,
        }
    }

    /// True for sysadmins.
    pub fn is_sysadmin(&self) -> bool {
        flag(self.sysadmin)
    }
}

const USER_COLUMNS: &str = "id, name, fullname, email, about, password_hash, sysadmin, state, created";

/// Finds a user by id or name.
pub async fn find(conn: &mut dyn Handle, id_or_name: &str) -> Result<Option<UserRow>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1 OR name = $1");
    Sql::new(&sql).bind(id_or_name).fetch_optional(conn).await
}

/// Finds an active user by e-mail address (case-insensitive).
pub async fn find_by_email(conn: &mut dyn Handle, email: &str) -> Result<Option<UserRow>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE LOWER(email) = $1 AND state != 'deleted'");
    Sql::new(&sql).bind(email.to_lowercase()).fetch_optional(conn).await
}

/// Inserts a user.
#[allow(clippy::too_many_arguments)]
pub async fn insert(
    conn: &mut dyn Handle,
    id: &str,
    name: &str,
    email: &str,
    fullname: Option<&str>,
    about: Option<&str>,
    password_hash: Option<&str>,
    sysadmin: bool,
    created: &str,
) -> Result<(), StoreError> {
    Sql::new(
        "INSERT INTO users (id, name, email, fullname, about, password_hash, sysadmin, state, created) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8)",
    )
    .bind(id)
    .bind(name)
    .bind(email)
    .bind(fullname)
    .bind(about)
    .bind(password_hash)
    .bind(sysadmin as i64)
    .bind(created)
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets a user's password hash.
pub async fn set_password(conn: &mut dyn Handle, id: &str, hash: &str) -> Result<(), StoreError> {
    Sql::new("UPDATE users SET password_hash = $1 WHERE id = $2").bind(hash).bind(id).execute(conn).await?;
    Ok(())
}

/// Sets a user's state (`active`, `deleted`).
pub async fn set_state(conn: &mut dyn Handle, id: &str, state: &str) -> Result<(), StoreError> {
    Sql::new("UPDATE users SET state = $1 WHERE id = $2").bind(state).bind(id).execute(conn).await?;
    Ok(())
}

/// Lists users by name.
pub async fn list(conn: &mut dyn Handle, limit: i64, offset: i64) -> Result<Vec<UserRow>, StoreError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE state != 'deleted' ORDER BY name LIMIT $1 OFFSET $2");
    Sql::new(&sql).bind(limit).bind(offset).fetch_all(conn).await
}

/// Number of active datasets a user created.
pub async fn created_package_count(conn: &mut dyn Handle, user_id: &str) -> Result<i64, StoreError> {
    let (n,): (i64,) =
        Sql::new("SELECT COUNT(*) FROM packages WHERE creator_user_id = $1 AND state = 'active' AND private = 0")
            .bind(user_id)
            .fetch_one(conn)
            .await?;
    Ok(n)
}

/// Stores a new API token (its hash only).
pub async fn insert_token(
    conn: &mut dyn Handle,
    id: &str,
    user_id: &str,
    name: &str,
    token_hash: &str,
    created: &str,
    expires_at: Option<&str>,
) -> Result<(), StoreError> {
    Sql::new(
        "INSERT INTO api_tokens (id, user_id, name, token_hash, created, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(user_id)
    .bind(name)
    .bind(token_hash)
    .bind(created)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(FromRow)]
struct TokenRow {
    id: String,
    user_id: String,
    name: String,
    created: String,
    last_access: Option<String>,
    expires_at: Option<String>,
}

impl From<TokenRow> for ApiToken {
    fn from(r: TokenRow) -> Self {
        ApiToken {
            id: r.id,
            name: r.name,
            user_id: r.user_id,
            created_at: r.created,
            last_access: r.last_access,
            expires_at: r.expires_at,
        }
    }
}

/// A user's tokens that are not revoked.
pub async fn list_tokens(conn: &mut dyn Handle, user_id: &str) -> Result<Vec<ApiToken>, StoreError> {
    let rows: Vec<TokenRow> = Sql::new(
        "SELECT id, user_id, name, created, last_access, expires_at FROM api_tokens \
         WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(ApiToken::from).collect())
}

/// Finds a live token by id or by hash; returns `(token id, owner id)`.
pub async fn find_token(
    conn: &mut dyn Handle,
    id: Option<&str>,
    hash: Option<&str>,
) -> Result<Option<(String, String)>, StoreError> {
    Sql::new("SELECT id, user_id FROM api_tokens WHERE revoked_at IS NULL AND (id = $1 OR token_hash = $2)")
        .bind(id.unwrap_or(""))
        .bind(hash.unwrap_or(""))
        .fetch_optional(conn)
        .await
}

/// Revokes a token. Revocation is a committed row update, so the next
/// request that presents the token, in any process, is refused.
pub async fn revoke_token(conn: &mut dyn Handle, id: &str, when: &str) -> Result<bool, StoreError> {
    let r = Sql::new("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(when)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(r > 0)
}

#[derive(FromRow)]
struct ActorRow {
    id: String,
    name: String,
    sysadmin: i64,
    state: String,
    expires_at: Option<String>,
}

/// Outcome of presenting an API token.
#[derive(Debug)]
pub enum TokenLookup {
    /// The token is live and its user active.
    Valid(Actor),
    /// No such token, or it was revoked.
    Unknown,
    /// The token passed its expiry time.
    Expired,
    /// The token's user is deleted or blocked.
    UserInactive,
}

/// Loads the actor behind a token hash: one indexed query for the token
/// and its user, then [`effective_roles`] (no query for sysadmins or users
/// without memberships). Kept to plain indexed lookups: this runs on every
/// authenticated request.
pub async fn actor_for_token(h: &mut dyn Handle, token_hash: &str, now: &str) -> Result<TokenLookup, StoreError> {
    let row: Option<ActorRow> = Sql::new(
        "SELECT u.id, u.name, u.sysadmin, u.state, t.expires_at FROM api_tokens t \
         JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
    )
    .bind(token_hash)
    .fetch_optional(h)
    .await?;
    let Some(row) = row else { return Ok(TokenLookup::Unknown) };
    if row.state != "active" {
        return Ok(TokenLookup::UserInactive);
    }
    if row.expires_at.as_deref().is_some_and(|e| e <= now) {
        return Ok(TokenLookup::Expired);
    }
    let sysadmin = flag(row.sysadmin);
    let memberships = if sysadmin { BTreeMap::new() } else { effective_roles(h, &row.id).await? };
    Ok(TokenLookup::Valid(Actor { user: Some(ActorUser { id: row.id, name: row.name, sysadmin }), memberships }))
}

/// Loads the actor for a user (sessions, CLI), with effective roles.
pub async fn actor_for_user(h: &mut dyn Handle, user: &UserRow) -> Result<Actor, StoreError> {
    let memberships = if user.is_sysadmin() { BTreeMap::new() } else { effective_roles(h, &user.id).await? };
    Ok(Actor {
        user: Some(ActorUser { id: user.id.clone(), name: user.name.clone(), sysadmin: user.is_sysadmin() }),
        memberships,
    })
}

/// A user's roles by organization/group, with each organization role
/// extended to all descendant organizations (a province's admin manages its
/// departments). Where two paths give different roles, the stronger wins.
pub async fn effective_roles(h: &mut dyn Handle, user_id: &str) -> Result<BTreeMap<String, Capacity>, StoreError> {
    let direct: Vec<(String, String)> =
        Sql::new("SELECT group_id, capacity FROM group_members WHERE user_id = $1").bind(user_id).fetch_all(h).await?;
    let mut roles: BTreeMap<String, Capacity> = BTreeMap::new();
    let mut frontier: Vec<(String, Capacity)> = Vec::new();
    for (g, c) in direct {
        if let Some(c) = Capacity::parse(&c) {
            grant(&mut roles, &g, c);
            frontier.push((g, c));
        }
    }
    // Walk down the hierarchy one level per query; depth is bounded so a
    // corrupt cycle cannot loop forever.
    for _ in 0..32 {
        if frontier.is_empty() {
            break;
        }
        let parents: Vec<String> = frontier.iter().map(|(g, _)| g.clone()).collect();
        let mut q = Sql::new("SELECT id, parent_id FROM catalog_groups WHERE is_organization = 1 AND parent_id IN ");
        q.in_list(&parents);
        let children: Vec<(String, String)> = q.fetch_all(h).await?;
        let mut next = Vec::new();
        for (child, parent) in children {
            let cap = frontier.iter().filter(|(g, _)| *g == parent).map(|(_, c)| *c).max();
            if let Some(c) = cap
                && grant(&mut roles, &child, c)
            {
                next.push((child, c));
            }
        }
        frontier = next;
    }
    Ok(roles)
}

/// Records role `c` on `group` unless a stronger one is there; true if changed.
fn grant(roles: &mut BTreeMap<String, Capacity>, group: &str, c: Capacity) -> bool {
    match roles.get(group) {
        Some(existing) if *existing >= c => false,
        _ => {
            roles.insert(group.to_string(), c);
            true
        }
    }
}
