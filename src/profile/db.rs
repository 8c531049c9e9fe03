//! SQL for profiles.

use super::{PatientDetails, Profile};
use crate::auth::Role;
use crate::error::{conflict_on, AppResult};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

#[derive(sqlx::FromRow)]
struct ProfileRow {
    id: i64,
    name: String,
    email: Option<String>,
    role: Role,
    phone: Option<String>,
    address: Option<String>,
    email_verified: bool,
    verified: bool,
    created_at: DateTime<Utc>,
    patient_id: Option<i64>,
    date_of_birth: Option<NaiveDate>,
    gender: Option<String>,
    blood_group: Option<String>,
    emergency_contact_name: Option<String>,
    emergency_contact_phone: Option<String>,
}

#[tracing::instrument(skip_all, fields(user_id = user_id))]
pub async fn find(conn: &mut PgConnection, user_id: i64) -> AppResult<Option<Profile>> {
    let row: Option<ProfileRow> = sqlx::query_as(
        "SELECT u.id, u.name, u.email, u.role, u.phone, u.address, u.email_verified_at IS NOT NULL AS email_verified,
                u.verified_at IS NOT NULL AS verified, u.created_at, p.id AS patient_id, p.date_of_birth, p.gender,
                p.blood_group, p.emergency_contact_name, p.emergency_contact_phone
           FROM users u LEFT JOIN patients p ON p.user_id = u.id
          WHERE u.id = $1",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| Profile {
        id: r.id,
        name: r.name,
        email: r.email,
        role: r.role,
        phone: r.phone,
        address: r.address,
        email_verified: r.email_verified,
        verified: r.verified,
        created_at: r.created_at,
        patient: r.patient_id.map(|patient_id| PatientDetails {
            patient_id,
            date_of_birth: r.date_of_birth,
            gender: r.gender,
            blood_group: r.blood_group,
            emergency_contact_name: r.emergency_contact_name,
            emergency_contact_phone: r.emergency_contact_phone,
        }),
    }))
}

/// Writes the whole editable profile (the service merged the change into the current one).
#[tracing::instrument(skip_all, fields(email_changed = email_changed))]
pub async fn save(conn: &mut PgConnection, profile: &Profile, email_changed: bool) -> AppResult<()> {
    sqlx::query(
        "UPDATE users SET name = $2, email = $3, phone = $4, address = $5,
                email_verified_at = CASE WHEN $6 THEN NULL ELSE email_verified_at END
          WHERE id = $1",
    )
    .bind(profile.id)
    .bind(&profile.name)
    .bind(&profile.email)
    .bind(&profile.phone)
    .bind(&profile.address)
    .bind(email_changed)
    .execute(&mut *conn)
    .await
    .map_err(conflict_on("users_email_key", "An account with this email already exists."))?;
    if let Some(patient) = &profile.patient {
        sqlx::query(
            "UPDATE patients SET date_of_birth = $2, gender = $3, blood_group = $4,
                    emergency_contact_name = $5, emergency_contact_phone = $6
              WHERE id = $1",
        )
        .bind(patient.patient_id)
        .bind(patient.date_of_birth)
        .bind(&patient.gender)
        .bind(&patient.blood_group)
        .bind(&patient.emergency_contact_name)
        .bind(&patient.emergency_contact_phone)
        .execute(conn)
        .await?;
    }
    Ok(())
}
