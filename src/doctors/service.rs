//! Directory use cases: search, doctor pages, profile and schedule changes, free slots,
//! days off and reviews.

use super::slots::{format_slot_time, free_slots};
use super::{
    check_experience_years, check_fee_cents, check_schedule, db, parse_currency, DirectoryQuery, DoctorCard, DoctorProfile, DoctorUpdate,
    NewDoctor,
};
use crate::audit::{self, Entry};
use crate::auth::actor::Actor;
use crate::auth::db as auth_db;
use crate::auth::service::{self as auth_service, AccountDraft};
use crate::auth::sign_ins::SignIns;
use crate::auth::{password, Email, PersonName, Role};
use crate::clinic::Clinic;
use crate::error::{conflict_on, AppError, AppResult};
use crate::paging;
use chrono::{Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{Connection, PgConnection};

/// A calendar date as the API and forms write it (YYYY-MM-DD), for slots, bookings, calendars
/// and days off. Years outside 1900–9999 are refused here: chrono reads years PostgreSQL can't
/// store (-5000), which would otherwise fail the query instead of getting a 422.
pub fn parse_date(text: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .ok()
        .filter(|date| (1900..=9999).contains(&date.year()))
        .ok_or_else(|| AppError::validation(format!("'{text}' is not a date like 2026-12-01.")))
}

#[tracing::instrument(skip_all)]
pub async fn search(conn: &mut PgConnection, query: &DirectoryQuery) -> AppResult<Vec<DoctorCard>> {
    let page = paging::page_number(query.page, 1)?;
    db::search(&mut *conn, query, page).await
}

/// Listed doctors are public; an unlisted one is visible to themselves and admins only.
#[tracing::instrument(skip_all, fields(doctor_id = doctor_id))]
pub async fn profile(conn: &mut PgConnection, viewer: Option<&Actor>, doctor_id: i64) -> AppResult<DoctorProfile> {
    let profile = db::profile(&mut *conn, doctor_id).await?.ok_or_else(|| AppError::not_found("Doctor"))?;
    let listed = profile.verified && profile.active;
    let privileged = viewer.is_some_and(|a| a.is(Role::Admin) || a.user_id == profile.card.user_id);
    if listed || privileged {
        Ok(profile)
    } else {
        Err(AppError::not_found("Doctor"))
    }
}

/// The doctor themselves, or an admin.
fn require_owner_or_admin(actor: &Actor, profile: &DoctorProfile) -> AppResult<()> {
    if actor.is(Role::Admin) || (actor.is(Role::Doctor) && actor.user_id == profile.card.user_id) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

#[tracing::instrument(skip_all, fields(doctor_id = doctor_id))]
pub async fn update(conn: &mut PgConnection, actor: &Actor, doctor_id: i64, update: DoctorUpdate) -> AppResult<DoctorProfile> {
    let current = profile(conn, Some(actor), doctor_id).await?;
    require_owner_or_admin(actor, &current)?;
    let text = |v: &Option<String>, field: &str, max: usize| -> AppResult<Option<Option<String>>> {
        v.as_deref().map(|raw| crate::profile::parse_text(raw, field, max).map_err(AppError::Validation)).transpose()
    };
    let specialization = text(&update.specialization, "specialization", 100)?;
    if specialization.as_ref().is_some_and(Option::is_none) {
        return Err(AppError::validation("The specialization can't be empty."));
    }
    let license_number = text(&update.license_number, "license number", 50)?;
    let city = text(&update.city, "city", 100)?;
    let address = text(&update.address, "address", 300)?;
    let bio = text(&update.bio, "bio", 4000)?;
    let experience_years = update.experience_years.map(super::check_experience_years).transpose().map_err(AppError::Validation)?;
    let fee_cents = update.fee_cents.map(super::check_fee_cents).transpose().map_err(AppError::Validation)?;
    let currency = update.currency.as_deref().map(super::parse_currency).transpose().map_err(AppError::Validation)?;
    let languages =
        update.languages.map(|langs| langs.into_iter().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).collect::<Vec<_>>());
    if let Some(blocks) = &update.weekly_schedule {
        check_schedule(blocks).map_err(AppError::Validation)?;
    }

    let mut tx = conn.begin().await?;
    sqlx::query(
        "UPDATE doctors SET specialization = coalesce($2, specialization),
                license_number = CASE WHEN $3 THEN $4 ELSE license_number END,
                city = CASE WHEN $5 THEN $6 ELSE city END,
                address = CASE WHEN $7 THEN $8 ELSE address END,
                bio = CASE WHEN $9 THEN $10 ELSE bio END,
                experience_years = coalesce($11, experience_years), fee_cents = coalesce($12, fee_cents),
                currency = coalesce($13, currency), languages = coalesce($14, languages)
          WHERE id = $1",
    )
    .bind(doctor_id)
    .bind(specialization.clone().flatten())
    .bind(license_number.is_some())
    .bind(license_number.clone().flatten())
    .bind(city.is_some())
    .bind(city.flatten())
    .bind(address.is_some())
    .bind(address.flatten())
    .bind(bio.is_some())
    .bind(bio.flatten())
    .bind(experience_years)
    .bind(fee_cents)
    .bind(currency)
    .bind(languages)
    .execute(&mut *tx)
    .await?;
    if let Some(blocks) = &update.weekly_schedule {
        db::replace_schedule(&mut tx, doctor_id, blocks).await?;
    }
    audit::record(&mut tx, Entry::new("doctor.update").by(actor).on("doctor", doctor_id)).await?;
    let identity_changed = [
        ("license number", license_number.as_ref().is_some_and(|new| *new != current.license_number)),
        ("specialization", specialization.as_ref().is_some_and(|new| new.as_deref() != Some(current.card.specialization.as_str()))),
    ];
    let changed: Vec<&str> = identity_changed.iter().filter(|(_, changed)| *changed).map(|(what, _)| *what).collect();
    if !changed.is_empty() {
        auth_service::unverify_doctor_after_change(&mut tx, actor, current.card.user_id, &changed.join(" and ")).await?;
    }
    tx.commit().await?;
    profile(conn, Some(actor), doctor_id).await
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AvailableSlots {
    pub date: String,
    pub slots: Vec<String>,
}

/// Free slots of a listed doctor on a date (clinic time): not past, not taken, not off.
#[tracing::instrument(skip_all, fields(doctor_id = doctor_id))]
pub async fn available_slots(conn: &mut PgConnection, clinic: &Clinic, doctor_id: i64, date: &str) -> AppResult<AvailableSlots> {
    let date = parse_date(date)?;
    let slots = free_days(conn, clinic, doctor_id, date, 1).await?.into_iter().next().map(|(_, slots)| slots).unwrap_or_default();
    Ok(AvailableSlots { date: date.to_string(), slots })
}

/// The first day from tomorrow (clinic time) with a free slot, within 60 days; tomorrow
/// with no slots if there is none.
#[tracing::instrument(skip_all, fields(doctor_id = doctor_id))]
pub async fn next_available_slots(conn: &mut PgConnection, clinic: &Clinic, doctor_id: i64) -> AppResult<AvailableSlots> {
    let tomorrow = clinic.today() + Duration::days(1);
    let days = free_days(conn, clinic, doctor_id, tomorrow, 60).await?;
    let (date, slots) = days.into_iter().find(|(_, slots)| !slots.is_empty()).unwrap_or((tomorrow, Vec::new()));
    Ok(AvailableSlots { date: date.to_string(), slots })
}

/// The free slots of each of `count` days from `first`, from one read of the doctor's schedule,
/// days off and live bookings. 404 for an unknown or unlisted doctor.
#[tracing::instrument(skip_all, fields(doctor_id = doctor_id, count = count))]
async fn free_days(
    conn: &mut PgConnection,
    clinic: &Clinic,
    doctor_id: i64,
    first: NaiveDate,
    count: i64,
) -> AppResult<Vec<(NaiveDate, Vec<String>)>> {
    let listed: Option<bool> =
        sqlx::query_scalar("SELECT u.active AND u.verified_at IS NOT NULL FROM doctors d JOIN users u ON u.id = d.user_id WHERE d.id = $1")
            .bind(doctor_id)
            .fetch_optional(&mut *conn)
            .await?;
    if listed != Some(true) {
        return Err(AppError::not_found("Doctor"));
    }
    let blocks = db::weekly_schedule(&mut *conn, doctor_id).await?;
    let days_off = db::days_off(&mut *conn, doctor_id, first).await?;
    // Generous bounds around the local days; exact starts are compared afterwards.
    let start = first.and_hms_opt(0, 0, 0).expect("valid").and_utc() - Duration::days(1);
    let taken = db::taken_starts(&mut *conn, doctor_id, start, start + Duration::days(count + 2)).await?;
    let now = Utc::now();
    Ok((0..count)
        .map(|offset| {
            let day = first + Duration::days(offset);
            let slots = free_slots(&blocks, days_off.contains(&day), &clinic.timezone, now, day, &taken);
            (day, slots.into_iter().map(format_slot_time).collect())
        })
        .collect())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DayOffRequest {
    pub date: String,
    #[serde(default)]
    pub reason: Option<String>,
}

/// Days off in the future. Live appointments on that day stay; the doctor cancels them.
#[tracing::instrument(skip_all, fields(doctor_id = doctor_id))]
pub async fn days_off(conn: &mut PgConnection, doctor_id: i64) -> AppResult<Vec<NaiveDate>> {
    db::days_off(&mut *conn, doctor_id, Utc::now().date_naive()).await
}

#[tracing::instrument(skip_all, fields(doctor_id = doctor_id))]
pub async fn add_day_off(conn: &mut PgConnection, actor: &Actor, doctor_id: i64, request: DayOffRequest) -> AppResult<Vec<NaiveDate>> {
    let current = profile(conn, Some(actor), doctor_id).await?;
    require_owner_or_admin(actor, &current)?;
    let day = parse_date(&request.date)?;
    if day < Utc::now().date_naive() {
        return Err(AppError::validation("Days off are set for today or later."));
    }
    let mut tx = conn.begin().await?;
    sqlx::query("INSERT INTO doctor_days_off (doctor_id, day, reason) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(doctor_id)
        .bind(day)
        .bind(request.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()))
        .execute(&mut *tx)
        .await?;
    audit::record(&mut tx, Entry::new("doctor.day_off").by(actor).on("doctor", doctor_id).detail(day.to_string())).await?;
    tx.commit().await?;
    days_off(conn, doctor_id).await
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Review {
    pub id: i64,
    pub appointment_id: i64,
    pub rating: i16,
    pub text: String,
    pub patient_name: String,
    pub created_at: chrono::DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewReview {
    pub appointment_id: i64,
    pub rating: i16,
    #[serde(default)]
    pub text: String,
}

#[tracing::instrument(skip_all, fields(doctor_id = doctor_id))]
pub async fn reviews(conn: &mut PgConnection, doctor_id: i64) -> AppResult<Vec<Review>> {
    profile(conn, None, doctor_id).await?;
    // First names only: reviews are public.
    Ok(sqlx::query_as(
        "SELECT r.id, r.appointment_id, r.rating, r.body AS text, split_part(u.name, ' ', 1) AS patient_name, r.created_at
           FROM reviews r JOIN patients p ON p.id = r.patient_id JOIN users u ON u.id = p.user_id
          WHERE r.doctor_id = $1 ORDER BY r.created_at DESC LIMIT 100",
    )
    .bind(doctor_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// One review per completed appointment, by its patient.
#[tracing::instrument(skip_all, fields(doctor_id = doctor_id))]
pub async fn add_review(conn: &mut PgConnection, actor: &Actor, doctor_id: i64, review: NewReview) -> AppResult<Review> {
    actor.require_role(&[Role::Patient])?;
    if !(1..=5).contains(&review.rating) {
        return Err(AppError::validation("The rating is a whole number from 1 to 5."));
    }
    let text = review.text.trim().to_owned();
    if text.chars().count() > 4000 {
        return Err(AppError::validation("Please keep the review under 4000 characters."));
    }
    let mut tx = conn.begin().await?;
    let visit = db::visit_to_review(&mut tx, review.appointment_id).await?;
    let Some(visit) = visit.filter(|v| v.patient_user_id == actor.user_id && v.doctor_id == doctor_id && v.completed) else {
        return Err(AppError::Forbidden("You can review a doctor after a completed visit with them.".into()));
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO reviews (appointment_id, doctor_id, patient_id, rating, body) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(visit.id)
    .bind(doctor_id)
    .bind(visit.patient_id)
    .bind(review.rating)
    .bind(&text)
    .fetch_one(&mut *tx)
    .await
    .map_err(conflict_on("reviews_appointment_id_key", "You already reviewed this visit."))?;
    audit::record(&mut tx, Entry::new("review.create").by(actor).on("review", id)).await?;
    tx.commit().await?;
    let reviews = reviews(conn, doctor_id).await?;
    reviews.into_iter().find(|r| r.id == id).ok_or_else(|| AppError::not_found("Review"))
}

/// An admin adds a doctor: the account (email confirmed, verified, so listed at once) and the
/// practice details, in one transaction.
#[tracing::instrument(skip_all)]
pub async fn create(conn: &mut PgConnection, clinic: &Clinic, actor: &Actor, input: NewDoctor) -> AppResult<DoctorProfile> {
    actor.require_role(&[Role::Admin])?;
    let name = PersonName::parse(&input.name).map_err(AppError::Validation)?;
    let email = Email::parse(&input.email).map_err(AppError::Validation)?;
    let practice = PracticeDetails::parse(&input).map_err(AppError::Validation)?;
    let password_hash = password::hash_new_password(input.password).await?;

    let mut tx = conn.begin().await?;
    let draft = AccountDraft { name, email, password_hash, role: Role::Doctor, email_verified: true, verified: true };
    let user_id = auth_service::insert_account(&mut tx, &clinic.public_url, &draft).await?;
    let doctor_id = practice.save(&mut tx, user_id).await?;
    audit::record(&mut tx, Entry::new("account.create").by(actor).on("user", user_id).detail("role doctor")).await?;
    let profile = db::profile(&mut tx, doctor_id).await?.ok_or_else(|| AppError::not_found("Doctor"))?;
    tx.commit().await?;
    Ok(profile)
}

/// The practice details an admin gives when adding a doctor.
struct PracticeDetails {
    specialization: String,
    city: Option<String>,
    license_number: Option<String>,
    experience_years: i32,
    fee_cents: i64,
    currency: String,
}

impl PracticeDetails {
    fn parse(input: &NewDoctor) -> Result<Self, String> {
        let text = |v: &Option<String>| v.as_deref().and_then(crate::profile::blank_to_none);
        Ok(Self {
            specialization: text(&input.specialization).unwrap_or_else(|| "General Practice".into()),
            city: text(&input.city),
            license_number: text(&input.license_number),
            experience_years: check_experience_years(input.experience_years.unwrap_or(0))?,
            fee_cents: check_fee_cents(input.fee_cents.unwrap_or(0))?,
            currency: parse_currency(input.currency.as_deref().unwrap_or("USD"))?,
        })
    }

    /// Fills in the doctor row the account got; answers its id.
    #[tracing::instrument(skip_all, fields(user_id = user_id))]
    async fn save(&self, conn: &mut PgConnection, user_id: i64) -> AppResult<i64> {
        Ok(sqlx::query_scalar(
            "UPDATE doctors SET specialization = $2, city = $3, license_number = $4, experience_years = $5,
                    fee_cents = $6, currency = $7
              WHERE user_id = $1 RETURNING id",
        )
        .bind(user_id)
        .bind(&self.specialization)
        .bind(&self.city)
        .bind(&self.license_number)
        .bind(self.experience_years)
        .bind(self.fee_cents)
        .bind(&self.currency)
        .fetch_one(conn)
        .await?)
    }
}

/// An admin takes a doctor off the clinic: the account is deactivated (signed out everywhere,
/// gone from the directory, no new bookings) while their records and past visits stay. Refused
/// while patients still hold upcoming appointments with them: those are cancelled or moved
/// first, so nobody turns up for a visit that silently vanished.
#[tracing::instrument(skip_all, fields(doctor_id = doctor_id))]
pub async fn remove(conn: &mut PgConnection, sign_ins: &SignIns, actor: &Actor, doctor_id: i64) -> AppResult<()> {
    actor.require_role(&[Role::Admin])?;
    let mut tx = conn.begin().await?;
    // The account row is locked: a second removal, or an admin reactivating the account,
    // waits for this one.
    let user_id = db::lock_account(&mut tx, doctor_id).await?.ok_or_else(|| AppError::not_found("Doctor"))?;
    let upcoming = db::upcoming_live_appointments(&mut tx, doctor_id).await?;
    if upcoming > 0 {
        return Err(AppError::Conflict(format!(
            "This doctor still has {upcoming} upcoming appointment(s); cancel or move them before removing the doctor."
        )));
    }
    db::deactivate_account(&mut tx, user_id).await?;
    auth_db::revoke_all_sessions(&mut tx, user_id).await?;
    audit::record(&mut tx, Entry::new("doctor.remove").by(actor).on("doctor", doctor_id)).await?;
    tx.commit().await?;
    sign_ins.forget_user(user_id);
    Ok(())
}
