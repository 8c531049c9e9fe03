//! Profile use cases.

use super::{db, parse_blood_group, parse_date_of_birth, parse_gender, parse_phone, parse_text, Profile, ProfileUpdate};
use crate::audit::{self, Entry};
use crate::auth::actor::Actor;
use crate::auth::sign_ins::SignIns;
use crate::auth::{service as auth_service, Email, PersonName, Role};
use crate::clinic::Clinic;
use crate::error::{AppError, AppResult};
use sqlx::{Connection, PgConnection};

#[tracing::instrument(skip_all)]
pub async fn get(conn: &mut PgConnection, actor: &Actor) -> AppResult<Profile> {
    db::find(conn, actor.user_id).await?.ok_or_else(|| AppError::not_found("Profile"))
}

/// Applies `update` to the actor's own profile. A new email address must be confirmed again
/// (patients get a new link).
#[tracing::instrument(skip_all)]
pub async fn update(
    conn: &mut PgConnection,
    clinic: &Clinic,
    sign_ins: &SignIns,
    actor: &Actor,
    update: ProfileUpdate,
) -> AppResult<Profile> {
    let mut tx = conn.begin().await?;
    let mut profile = db::find(&mut tx, actor.user_id).await?.ok_or_else(|| AppError::not_found("Profile"))?;
    let before_email = profile.email.clone();
    let before_name = profile.name.clone();
    apply(&mut profile, update, chrono::Utc::now().date_naive()).map_err(AppError::Validation)?;
    let email_changed = profile.email != before_email;
    db::save(&mut tx, &profile, email_changed).await?;
    if email_changed {
        profile.email_verified = false;
        if let (Role::Patient, Some(email)) = (profile.role, &profile.email) {
            auth_service::send_verification_email(&mut tx, &clinic.public_url, profile.id, email, &profile.name).await?;
        }
    }
    if profile.name != before_name {
        auth_service::unverify_doctor_after_change(&mut tx, actor, actor.user_id, "name").await?;
    }
    let mut entry = Entry::new("profile.update").by(actor).on("user", actor.user_id);
    if let Some(patient) = &profile.patient {
        entry = entry.patient(patient.patient_id);
    }
    audit::record(&mut tx, entry).await?;
    tx.commit().await?;
    sign_ins.forget_user(actor.user_id);
    Ok(profile)
}

/// Validates every field of `update` and merges it; nothing changes if any field is wrong.
pub(crate) fn apply(profile: &mut Profile, update: ProfileUpdate, today: chrono::NaiveDate) -> Result<(), String> {
    if let Some(name) = update.name {
        profile.name = PersonName::parse(&name)?.as_str().to_owned();
    }
    if let Some(email) = update.email {
        profile.email = Some(Email::parse(&email)?.as_str().to_owned());
    }
    if let Some(phone) = update.phone {
        profile.phone = parse_phone(&phone)?;
    }
    if let Some(address) = update.address {
        profile.address = parse_text(&address, "address", 500)?;
    }
    let patient_fields =
        [&update.date_of_birth, &update.gender, &update.blood_group, &update.emergency_contact_name, &update.emergency_contact_phone];
    let Some(patient) = profile.patient.as_mut() else {
        if patient_fields.iter().any(|f| f.is_some()) {
            return Err("Date of birth, gender, blood group and emergency contact apply to patients only.".into());
        }
        return Ok(());
    };
    if let Some(dob) = update.date_of_birth {
        patient.date_of_birth = parse_date_of_birth(&dob, today)?;
    }
    if let Some(gender) = update.gender {
        patient.gender = parse_gender(&gender)?;
    }
    if let Some(group) = update.blood_group {
        patient.blood_group = parse_blood_group(&group)?;
    }
    if let Some(name) = update.emergency_contact_name {
        patient.emergency_contact_name = parse_text(&name, "emergency contact name", 200)?;
    }
    if let Some(phone) = update.emergency_contact_phone {
        patient.emergency_contact_phone = parse_phone(&phone)?;
    }
    Ok(())
}
