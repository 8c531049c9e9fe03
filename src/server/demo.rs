//! Demo mode: one account per role and ten verified doctors, so the portal can be tried at
//! once. Demo accounts are flagged, and removed when the server starts without demo mode.

use crate::auth::db::{self as auth_db, NewUser};
use crate::auth::{password, Role};
use anyhow::Result;
use sqlx::PgPool;

/// The password of every demo account (also in the README).
pub const DEMO_PASSWORD: &str = "caduceus-demo";

const STAFF: [(&str, &str, Role); 6] = [
    ("admin@caduceus.test", "Ada Admin", Role::Admin),
    ("manager@caduceus.test", "Max Manager", Role::Manager),
    ("staff@caduceus.test", "Sam Staff", Role::Staff),
    ("nurse@caduceus.test", "Nora Nurse", Role::Nurse),
    ("patient@caduceus.test", "Pat Patient", Role::Patient),
    ("patient2@caduceus.test", "Paula Second", Role::Patient),
];

/// (email, name, specialization, city, years, fee in cents)
const DOCTORS: [(&str, &str, &str, &str, i32, i64); 10] = [
    ("doctor@caduceus.test", "Dr. Derek Grey", "Cardiology", "Springfield", 15, 12000),
    ("cardio2@caduceus.test", "Dr. Amara Okafor", "Cardiology", "Riverton", 9, 11000),
    ("derma@caduceus.test", "Dr. Lena Fischer", "Dermatology", "Springfield", 7, 9000),
    ("peds@caduceus.test", "Dr. Rafael Souza", "Pediatrics", "Lakeside", 12, 8000),
    ("peds2@caduceus.test", "Dr. Mei Chen", "Pediatrics", "Springfield", 4, 7500),
    ("neuro@caduceus.test", "Dr. Omar Haddad", "Neurology", "Riverton", 20, 15000),
    ("ortho@caduceus.test", "Dr. Sofia Rossi", "Orthopedics", "Lakeside", 11, 13000),
    ("gp@caduceus.test", "Dr. John Miller", "General Practice", "Springfield", 25, 6000),
    ("gp2@caduceus.test", "Dr. Aisha Khan", "General Practice", "Riverton", 6, 6000),
    ("ent@caduceus.test", "Dr. Pieter de Vries", "Otolaryngology", "Lakeside", 17, 10000),
];

/// Idempotent: existing demo accounts are left as they are.
pub async fn seed(pool: &PgPool) -> Result<()> {
    let hash = password::hash(DEMO_PASSWORD.to_owned()).await?;
    let mut tx = pool.begin().await?;
    for (email, name, role) in STAFF {
        if let Some(user_id) = insert_demo_user(&mut tx, email, name, role, &hash).await? {
            auth_db::insert_role_row(&mut tx, user_id, role).await?;
        }
    }
    for (email, name, specialization, city, years, fee_cents) in DOCTORS {
        if let Some(user_id) = insert_demo_user(&mut tx, email, name, Role::Doctor, &hash).await? {
            sqlx::query(
                "INSERT INTO doctors (user_id, specialization, city, license_number, experience_years, fee_cents, currency, bio, languages)
                 VALUES ($1, $2, $3, $4, $5, $6, 'USD', $7, ARRAY['English'])",
            )
            .bind(user_id)
            .bind(specialization)
            .bind(city)
            .bind(format!("LIC-{:06}", user_id * 7919 % 1_000_000))
            .bind(years)
            .bind(fee_cents)
            .bind(format!("{name} practises {specialization} in {city}."))
            .execute(&mut *tx)
            .await?;
        }
    }
    seed_history(&mut tx).await?;
    let year = seed_clinic_year(&mut tx, &hash).await?;
    bill_history(&mut tx).await?;
    seed_pharmacy(&mut tx).await?;
    seed_prescription(&mut tx).await?;
    if year {
        settle_clinic_year(&mut tx).await?;
    }
    tx.commit().await?;
    tracing::info!("demo mode: accounts ready (password '{DEMO_PASSWORD}')");
    Ok(())
}

/// Past visits, so the portal shows a history and a doctor has visits to wrap up: Pat saw
/// Dr. Grey three weeks ago (completed, with notes); Paula's last eight days with Dr. Fischer are
/// confirmed visits whose time has passed, waiting for the doctor to complete them (a visit
/// can only be completed once it has started). Topped up at each start (days count back from
/// today): a visit is added unless the patient already has one at that time.
async fn seed_history(conn: &mut sqlx::PgConnection) -> Result<()> {
    let visit = |patient: &'static str, doctor: &'static str, days_ago: i32, status: &'static str, notes: Option<&'static str>| {
        (patient, doctor, days_ago, status, notes)
    };
    let history = [
        visit(
            "patient@caduceus.test",
            "doctor@caduceus.test",
            21,
            "completed",
            Some("Blood pressure 128/82. Keep walking daily; check again in six months."),
        ),
        visit("patient2@caduceus.test", "derma@caduceus.test", 1, "accepted", None),
        visit("patient2@caduceus.test", "derma@caduceus.test", 2, "accepted", None),
        visit("patient2@caduceus.test", "derma@caduceus.test", 3, "accepted", None),
        visit("patient2@caduceus.test", "derma@caduceus.test", 4, "accepted", None),
        visit("patient2@caduceus.test", "derma@caduceus.test", 5, "accepted", None),
        visit("patient2@caduceus.test", "derma@caduceus.test", 6, "accepted", None),
        visit("patient2@caduceus.test", "derma@caduceus.test", 7, "accepted", None),
        visit("patient2@caduceus.test", "derma@caduceus.test", 8, "accepted", None),
    ];
    for (patient, doctor, days_ago, status, notes) in history {
        sqlx::query(
            "INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, reason, fee_cents, currency, status, visit_notes)
             SELECT d.id, p.id, v.starts_at, v.starts_at + interval '30 minutes', 'Check-up', d.fee_cents, d.currency, $4::appointment_status, $5
               FROM doctors d JOIN users du ON du.id = d.user_id, patients p JOIN users pu ON pu.id = p.user_id,
                    LATERAL (SELECT date_trunc('day', now()) - make_interval(days => $3) + interval '9 hours' AS starts_at) v
              WHERE du.email = $2 AND pu.email = $1
                AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.patient_id = p.id AND a.starts_at = v.starts_at)",
        )
        .bind(patient)
        .bind(doctor)
        .bind(days_ago)
        .bind(status)
        .bind(notes)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// (email, name, date of birth, gender) of the patients of the clinic's past year.
const PAST_PATIENTS: [(&str, &str, &str, &str); 12] = [
    ("ines.duarte@caduceus.test", "Ines Duarte", "1958-03-14", "female"),
    ("tomas.berg@caduceus.test", "Tomas Berg", "1991-07-02", "male"),
    ("keiko.sato@caduceus.test", "Keiko Sato", "1984-11-23", "female"),
    ("liam.walsh@caduceus.test", "Liam Walsh", "2012-05-30", "male"),
    ("noor.aziz@caduceus.test", "Noor Aziz", "1970-01-09", "female"),
    ("ezra.cole@caduceus.test", "Ezra Cole", "1946-09-17", "male"),
    ("maya.lind@caduceus.test", "Maya Lind", "2001-12-04", "female"),
    ("jon.ruiz@caduceus.test", "Jon Ruiz", "1979-04-21", "other"),
    ("ada.novak@caduceus.test", "Ada Novak", "1965-08-11", "female"),
    ("sam.osei@caduceus.test", "Sam Osei", "1998-02-27", "male"),
    ("lucia.moreno@caduceus.test", "Lucia Moreno", "2016-10-15", "female"),
    ("ravi.patel@caduceus.test", "Ravi Patel", "1952-06-08", "male"),
];

/// A year of the clinic's past, so that the managers' reports have something to show: twelve
/// patients registered over the year, each seen by the demo doctors every few weeks (a few
/// visits missed). Seeded once, with the patients (answers whether it was seeded now).
async fn seed_clinic_year(conn: &mut sqlx::PgConnection, hash: &str) -> Result<bool> {
    let mut seeded = false;
    for (index, (email, name, born, gender)) in PAST_PATIENTS.into_iter().enumerate() {
        let Some(user_id) = insert_demo_user(conn, email, name, Role::Patient, hash).await? else {
            continue;
        };
        seeded = true;
        // Registered one after another over the past year.
        let registered_days_ago = 360 - 28 * index as i32;
        sqlx::query(
            "INSERT INTO patients (user_id, date_of_birth, gender, created_at)
             VALUES ($1, $2::date, $3, date_trunc('day', now()) - make_interval(days => $4) + interval '8 hours')",
        )
        .bind(user_id)
        .bind(born)
        .bind(gender)
        .bind(registered_days_ago)
        .execute(&mut *conn)
        .await?;
        // A visit about every four weeks from registration until a month ago (weekdays only),
        // with a doctor of their own; every seventh one missed.
        sqlx::query(
            "WITH doctor AS (
                 SELECT d.id, d.fee_cents, d.currency FROM doctors d JOIN users u ON u.id = d.user_id
                  WHERE u.demo ORDER BY d.id OFFSET $2 % 10 LIMIT 1
             ), patient AS (SELECT id FROM patients WHERE user_id = $1)
             INSERT INTO appointments (doctor_id, patient_id, starts_at, ends_at, reason, fee_cents, currency, status, visit_notes)
             SELECT doctor.id, patient.id, v.starts_at, v.starts_at + interval '30 minutes', 'Follow-up', doctor.fee_cents, doctor.currency,
                    CASE WHEN n % 7 = 3 THEN 'no_show' ELSE 'completed' END::appointment_status,
                    CASE WHEN n % 7 = 3 THEN NULL ELSE 'Reviewed; plan unchanged.' END
               FROM doctor, patient, generate_series(0, 20) n,
                    LATERAL (SELECT date_trunc('day', now()) - make_interval(days => $3 - n * 26 - ($2 * 3 + n * 5) % 9)
                                    + make_interval(hours => 9 + ($2 + n) % 7) AS starts_at) v
              WHERE v.starts_at < now() - interval '30 days' AND extract(isodow FROM v.starts_at) < 6",
        )
        .bind(user_id)
        .bind(index as i32)
        .bind(registered_days_ago - 2)
        .execute(&mut *conn)
        .await?;
    }
    Ok(seeded)
}

/// The past year's bills settled as patients pay: most in full, by cash, card, transfer or
/// insurance, a couple of weeks after the visit; one in nine half paid, one in ten still owed.
async fn settle_clinic_year(conn: &mut sqlx::PgConnection) -> Result<()> {
    sqlx::query(
        "WITH due AS (
             SELECT i.id, i.patient_id, i.total_cents, i.currency, i.issued_at,
                    CASE WHEN i.id % 10 = 0 THEN 0 WHEN i.id % 9 = 0 THEN i.total_cents / 2 ELSE i.total_cents END AS paying
               FROM invoices i JOIN patients p ON p.id = i.patient_id JOIN users u ON u.id = p.user_id
              WHERE u.demo AND u.email <> ALL ($1) AND i.state = 'issued' AND i.paid_cents = 0
         ), settled AS (
             UPDATE invoices i SET paid_cents = due.paying FROM due WHERE i.id = due.id AND due.paying > 0 RETURNING i.id
         )
         INSERT INTO payments (invoice_id, patient_id, kind, method, amount_cents, currency, created_at)
         SELECT due.id, due.patient_id, 'payment', (ARRAY['cash', 'card', 'bank_transfer', 'insurance']::payment_method[])[1 + due.id % 4],
                due.paying, due.currency, due.issued_at + make_interval(days => 3 + (due.id % 12)::int)
           FROM due JOIN settled ON settled.id = due.id",
    )
    .bind(STAFF.iter().map(|(email, ..)| *email).collect::<Vec<_>>())
    .execute(conn)
    .await?;
    Ok(())
}

/// The demo's completed visits billed as the clinic would have billed them when they were
/// completed (their fee, issued an hour after the visit, unpaid), so Pat has a bill to pay.
async fn bill_history(conn: &mut sqlx::PgConnection) -> Result<()> {
    sqlx::query(
        "WITH visits AS (
             SELECT a.id, a.patient_id, a.doctor_id, a.fee_cents, a.currency, a.starts_at, du.name, d.specialization
               FROM appointments a JOIN doctors d ON d.id = a.doctor_id JOIN users du ON du.id = d.user_id
              WHERE du.demo AND a.status = 'completed' AND a.fee_cents > 0
                AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.appointment_id = a.id)
         ), billed AS (
             INSERT INTO invoices (patient_id, appointment_id, doctor_id, currency, state, total_cents, issued_at, created_at)
             SELECT patient_id, id, doctor_id, currency, 'issued', fee_cents, starts_at + interval '1 hour', starts_at + interval '1 hour'
               FROM visits
             RETURNING id, appointment_id, patient_id, total_cents
         )
         INSERT INTO invoice_lines (invoice_id, patient_id, position, description, quantity, unit_price_cents)
         SELECT b.id, b.patient_id, 1, format('Consultation with %s (%s), %s', v.name, v.specialization, to_char(v.starts_at, 'FMDD Mon YYYY')),
                1, b.total_cents
           FROM billed b JOIN visits v ON v.id = b.appointment_id",
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// (name, kind, unit, reorder level, price in cents, lots as (number, days to expiry, quantity)).
type DemoItem = (&'static str, &'static str, &'static str, i32, i64, &'static [(&'static str, i64, i32)]);

/// The pharmacy's shelves: enough to dispense from, one medicine below its reorder level and
/// one lot expiring within the alert window, so the staff dashboard has something to say.
const PHARMACY: [DemoItem; 6] = [
    ("Amlodipine 5 mg", "medicine", "tablet", 60, 20, &[("AML-2406", 45, 40), ("AML-2511", 400, 200)]),
    ("Amoxicillin 500 mg", "medicine", "capsule", 50, 35, &[("AMX-0907", 300, 30)]),
    ("Paracetamol 500 mg", "medicine", "tablet", 100, 5, &[("PAR-7731", 500, 480)]),
    ("Ibuprofen 200 mg", "medicine", "tablet", 100, 8, &[("IBU-1102", 200, 150), ("IBU-1207", 620, 200)]),
    ("Gauze pad 10 × 10 cm", "supply", "pack", 20, 0, &[("GZ-55", 700, 80)]),
    ("Syringe 5 ml", "supply", "syringe", 100, 30, &[("SY-908", 900, 300)]),
];

/// Stocked once (when the demo has no items), received by the front desk's demo account.
async fn seed_pharmacy(conn: &mut sqlx::PgConnection) -> Result<()> {
    let stocked: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM inventory_items WHERE demo)").fetch_one(&mut *conn).await?;
    if stocked {
        return Ok(());
    }
    let desk: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'staff@caduceus.test'").fetch_optional(&mut *conn).await?;
    for (name, kind, unit, reorder_level, price_cents, lots) in PHARMACY {
        let item: i64 = sqlx::query_scalar(
            "INSERT INTO inventory_items (name, kind, unit, reorder_level, price_cents, demo)
             VALUES ($1, $2::inventory_item_kind, $3, $4, $5, true) RETURNING id",
        )
        .bind(name)
        .bind(kind)
        .bind(unit)
        .bind(reorder_level)
        .bind(price_cents)
        .fetch_one(&mut *conn)
        .await?;
        for (lot_number, days_to_expiry, quantity) in lots {
            sqlx::query(
                "WITH lot AS (INSERT INTO inventory_lots (item_id, lot_number, expiry_date) VALUES ($1, $2, current_date + $3::int) RETURNING id)
                 INSERT INTO inventory_movements (item_id, lot_id, kind, quantity, actor_id) SELECT $1, id, 'receive', $4, $5 FROM lot",
            )
            .bind(item)
            .bind(lot_number)
            .bind(*days_to_expiry as i32)
            .bind(quantity)
            .bind(desk)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// Pat's blood-pressure tablets, prescribed by Dr. Grey at the visit three weeks ago (filled
/// then, three refills), so "Request refill" has something to refill. Once per demo patient.
async fn seed_prescription(conn: &mut sqlx::PgConnection) -> Result<()> {
    sqlx::query(
        "WITH visit AS (
             SELECT a.id, a.patient_id, d.user_id AS doctor_user, a.starts_at
               FROM appointments a JOIN doctors d ON d.id = a.doctor_id JOIN users du ON du.id = d.user_id
               JOIN patients p ON p.id = a.patient_id JOIN users pu ON pu.id = p.user_id
              WHERE pu.email = 'patient@caduceus.test' AND du.email = 'doctor@caduceus.test' AND a.status = 'completed'
                AND NOT EXISTS (SELECT 1 FROM prescriptions x WHERE x.patient_id = a.patient_id)
              ORDER BY a.starts_at LIMIT 1
         ), note AS (
             INSERT INTO encounters (patient_id, appointment_id, author_id, diagnoses, treatment, created_at, updated_at)
             SELECT patient_id, id, doctor_user, jsonb_build_array(jsonb_build_object('code', 'I10', 'description', 'Essential (primary) hypertension')),
                    'Amlodipine daily; keep walking; check again in six months.', starts_at + interval '30 minutes', starts_at + interval '30 minutes'
               FROM visit
              WHERE NOT EXISTS (SELECT 1 FROM encounters e WHERE e.appointment_id = visit.id AND e.status = 'active')
             RETURNING id, patient_id, author_id, created_at
         )
         INSERT INTO prescriptions (encounter_id, patient_id, prescriber_id, position, drug, dose, route, frequency, duration_days,
                                    quantity, refills, fills, last_filled_at, prescribed_at)
         SELECT id, patient_id, author_id, 0, 'Amlodipine', '5 mg', 'oral', 'once a day', 30, 30, 3, 1, created_at, created_at FROM note",
    )
    .execute(conn)
    .await?;
    Ok(())
}

async fn insert_demo_user(conn: &mut sqlx::PgConnection, email: &str, name: &str, role: Role, hash: &str) -> Result<Option<i64>> {
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE email = $1)").bind(email).fetch_one(&mut *conn).await?;
    if exists {
        return Ok(None);
    }
    let new_user = NewUser {
        email: Some(email),
        name,
        password_hash: Some(hash),
        role,
        email_verified: true,
        verified: role == Role::Doctor,
        demo: true,
    };
    Ok(Some(auth_db::insert_user(conn, &new_user).await?))
}

/// Outside demo mode, demo accounts (and everything hanging off them) must not exist.
pub async fn remove(pool: &PgPool) -> Result<()> {
    let mut tx = pool.begin().await?;
    // The demo's shelves go with their ledger (which otherwise never loses a row).
    sqlx::query("SET LOCAL caduceus.removing_demo = 'on'").execute(&mut *tx).await?;
    sqlx::query("DELETE FROM inventory_movements WHERE item_id IN (SELECT id FROM inventory_items WHERE demo)").execute(&mut *tx).await?;
    sqlx::query("DELETE FROM inventory_items WHERE demo").execute(&mut *tx).await?;
    tx.commit().await?;
    let removed = sqlx::query("DELETE FROM users WHERE demo").execute(pool).await?.rows_affected();
    if removed > 0 {
        tracing::info!(removed, "removed demo accounts (the server runs without demo mode)");
    }
    Ok(())
}
