//! Who may call what: every REST operation × every kind of caller, with the status each one
//! gets, in one table. An operation of the OpenAPI document without a row fails the test, so a
//! new route can't ship without someone writing down who may use it (deny by default is
//! asserted, not assumed). Later domains add their rows here.
//!
//! Each cell runs on its own fresh object where the call changes it (a new appointment for
//! every cancel, a new account for every deactivation), so one caller's success never decides
//! the next caller's answer.

use crate::contract::{documented_operations, openapi_document};
use crate::helpers::{body, TestApp, PASSWORD};
use caduceus::server::config::Config;
use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// The callers, in the order of the table's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Who {
    Anonymous,
    /// The patient the object belongs to.
    Owner,
    OtherPatient,
    /// The doctor of the object (of the appointment; the doctor themselves for a doctor).
    ObjectDoctor,
    OtherDoctor,
    Nurse,
    Staff,
    Manager,
    Admin,
}

const CALLERS: [Who; 9] =
    [Who::Anonymous, Who::Owner, Who::OtherPatient, Who::ObjectDoctor, Who::OtherDoctor, Who::Nurse, Who::Staff, Who::Manager, Who::Admin];

/// What a cell's request is made of.
#[derive(Debug, Clone, Copy)]
enum Case {
    /// The path as written, no body.
    Plain,
    Register,
    Login,
    /// Signs out: with a token of its own, so the caller's other cells keep theirs.
    Logout,
    VerifyEmail,
    /// An invitation token nobody was sent.
    AcceptInvitation,
    /// A walk-in at the desk, a fresh name each time.
    RegisterWalkIn,
    ChangePassword,
    RevokeOwnerSession,
    UpdateProfile,
    CreatePatientAccount,
    OwnerUser,
    RenameOwner,
    VerifyFreshDoctor,
    DeactivateFreshPatient,
    CreateDoctor,
    UploadReport,
    OwnerReport,
    /// A DICOM for the owner's record.
    UploadXray,
    /// A fresh DICOM x-ray of the owner.
    OwnerXray,
    ResultOwnerXray,
    ObjectDoctor,
    UpdateObjectDoctor,
    RemoveFreshDoctor,
    ObjectDoctorSlots,
    AddDayOff,
    ReviewCompletedVisit,
    ReadOwnerNotification,
    Book,
    Appointment,
    Reschedule,
    Cancel,
    Accept,
    Reject,
    Complete,
    NoShow,
    /// Closes the caller's own account with their password: the patients (owner and other)
    /// close a fresh account of their own, so the world's patients live on.
    CloseOwnAccount,
    /// Erases a fresh patient (admins only).
    EraseFreshPatient,
    UpdateRegistration,
    /// The owner's patient id in the path: their chart.
    OwnerChart,
    AddHistory,
    /// Adds an inactive allergy (a fresh substance each time): active ones would stop
    /// "no known allergies" from being recorded in its own row.
    AddAllergy,
    /// Marks a fresh inactive allergy of the owner inactive again.
    ChangeOwnerAllergy,
    AddVitals,
    /// A visit note about the owner, by the object's doctor.
    WriteNote,
    /// A fresh note about the owner by the object's doctor; `{id}` is the note.
    OwnerNote,
    /// A correction of a fresh owner's note.
    CorrectOwnerNote,
    /// "Entered in error" of a fresh owner's note.
    OwnerNoteInError,
    AddAddendum,
    /// The diagnosis type-ahead, `?q=`.
    CodeSearch,
    /// A question to the clinic's doctors.
    AskClinic,
    /// A fresh question of the owner to the object's doctor; `{id}` is the question.
    OwnerQuestion,
    AnswerOwnerQuestion,
    FollowUpOwnerQuestion,
    /// The questions between the object's doctor and the owner.
    OwnerAndDoctorQuestions,
    /// Break-glass on a fresh patient nobody has treated (a grant would open the owner's
    /// chart to the other doctor for the rows after it).
    BreakGlassFreshPatient,
    /// A bill for the owner (the desk creates invoices).
    CreateOwnerInvoice,
    /// A fresh issued invoice of the owner; `{id}` is the invoice.
    OwnerInvoice,
    /// Voids a fresh invoice of the owner.
    VoidOwnerInvoice,
    /// Pays part of a fresh invoice of the owner: by card online for patients, cash for the rest.
    PayOwnerInvoice,
    /// Refunds part of a fresh invoice of the owner, paid in cash.
    RefundOwnerInvoice,
    CreditOwnerInvoice,
    /// The receipt of a cash payment on a fresh invoice of the owner.
    OwnerReceipt,
    /// A claim on a fresh invoice of the owner, from a fresh policy of theirs.
    SubmitOwnerClaim,
    /// A fresh claim of the owner; `{id}` is the claim.
    OwnerClaim,
    /// Puts a fresh claim of the owner in review.
    ReviewOwnerClaim,
    /// A policy for the owner, a fresh member number each time.
    AddOwnerPolicy,
    /// The owner's patient id as `?patient_id=`.
    OwnerPrescriptions,
    /// A refill of a fresh prescription of the owner's, by the object's doctor.
    RequestOwnerRefill,
    /// A new medicine from the object's doctor.
    AskForMedicine,
    /// A fresh pending refill request of the owner's, asked of the object's doctor.
    ApproveOwnerRefill,
    DenyOwnerRefill,
    /// A fresh item of stock; `{id}` is the item.
    StockItem,
    CreateStockItem,
    UpdateStockItem,
    ReceiveStock,
}

/// Method, documented path, case, and the status for each caller in [`CALLERS`] order:
/// anonymous, owner, other patient, object's doctor, other doctor, nurse, staff, manager, admin.
#[rustfmt::skip]
const MATRIX: &[(&str, &str, Case, [u16; 9])] = &[
    //                                                                     anon own  oth  doc  odoc nurse staff mgr adm
    ("POST",   "/api/auth/register",                  Case::Register,      [201, 201, 201, 201, 201, 201, 201, 201, 201]),
    ("POST",   "/api/auth/login",                     Case::Login,         [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/auth/logout",                    Case::Logout,        [401, 204, 204, 204, 204, 204, 204, 204, 204]),
    ("POST",   "/api/auth/verify-email",              Case::VerifyEmail,   [422, 422, 422, 422, 422, 422, 422, 422, 422]),
    ("POST",   "/api/auth/accept-invitation",         Case::AcceptInvitation, [422, 422, 422, 422, 422, 422, 422, 422, 422]),
    ("POST",   "/api/auth/password",                  Case::ChangePassword,[401, 204, 204, 204, 204, 204, 204, 204, 204]),
    ("GET",    "/api/auth/sessions",                  Case::Plain,         [401, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("DELETE", "/api/auth/sessions/{id}",             Case::RevokeOwnerSession, [401, 204, 404, 404, 404, 404, 404, 404, 404]),
    ("GET",    "/api/profile",                        Case::Plain,         [401, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("PUT",    "/api/profile",                        Case::UpdateProfile, [401, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("DELETE", "/api/profile",                        Case::CloseOwnAccount, [401, 204, 204, 403, 403, 403, 403, 403, 403]),
    ("GET",    "/api/profile/export",                 Case::Plain,         [401, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/profile/access-log",             Case::Plain,         [401, 200, 200, 403, 403, 403, 403, 403, 403]),
    ("GET",    "/api/patients/{id}",                  Case::OwnerChart,    [401, 200, 404, 200, 404, 200, 200, 403, 200]),
    ("PUT",    "/api/patients/{id}",                  Case::UpdateRegistration, [401, 403, 403, 403, 403, 200, 200, 403, 200]),
    ("DELETE", "/api/patients/{id}",                  Case::EraseFreshPatient, [401, 403, 403, 403, 403, 403, 403, 403, 204]),
    ("GET",    "/api/patients/{id}/chart",            Case::OwnerChart,    [401, 200, 404, 200, 404, 200, 403, 403, 200]),
    ("GET",    "/api/patients/{id}/history",          Case::OwnerChart,    [401, 200, 404, 200, 404, 200, 403, 403, 200]),
    ("POST",   "/api/patients/{id}/history",          Case::AddHistory,    [401, 403, 404, 201, 404, 201, 403, 403, 403]),
    ("GET",    "/api/patients/{id}/allergies",        Case::OwnerChart,    [401, 200, 404, 200, 404, 200, 403, 403, 200]),
    ("POST",   "/api/patients/{id}/allergies",        Case::AddAllergy,    [401, 403, 404, 201, 404, 201, 403, 403, 403]),
    ("POST",   "/api/patients/{id}/allergies/none-known", Case::OwnerChart, [401, 403, 404, 200, 404, 200, 403, 403, 403]),
    ("PUT",    "/api/allergies/{id}",                 Case::ChangeOwnerAllergy, [401, 403, 404, 200, 404, 200, 403, 403, 403]),
    ("GET",    "/api/patients/{id}/vitals",           Case::OwnerChart,    [401, 200, 404, 200, 404, 200, 403, 403, 200]),
    ("POST",   "/api/patients/{id}/vitals",           Case::AddVitals,     [401, 403, 404, 201, 404, 201, 403, 403, 403]),
    ("GET",    "/api/patients/{id}/reports",          Case::OwnerChart,    [401, 200, 404, 200, 404, 200, 403, 403, 200]),
    // The desk files letters it may not read; the file answers 404 to all who can't read it.
    ("POST",   "/api/patients/{id}/reports",          Case::UploadReport,  [401, 403, 404, 201, 404, 201, 201, 403, 403]),
    ("GET",    "/api/reports/{id}/file",              Case::OwnerReport,   [401, 200, 404, 200, 404, 200, 404, 404, 200]),
    // X-rays: the patient adds their own; the desk files them without reading them; only the
    // patient's doctors write results; the original DICOM is for clinicians.
    ("POST",   "/api/xrays",                          Case::UploadXray,    [401, 201, 404, 201, 404, 201, 201, 403, 403]),
    ("GET",    "/api/xrays/worklist",                 Case::Plain,         [401, 403, 403, 200, 200, 403, 403, 403, 403]),
    ("GET",    "/api/xrays/{id}",                     Case::OwnerXray,     [401, 200, 404, 200, 404, 200, 404, 404, 200]),
    ("PUT",    "/api/xrays/{id}",                     Case::ResultOwnerXray, [401, 403, 403, 200, 404, 403, 403, 403, 403]),
    ("GET",    "/api/xrays/{id}/image",               Case::OwnerXray,     [401, 200, 404, 200, 404, 200, 404, 404, 200]),
    ("GET",    "/api/xrays/{id}/pixels",              Case::OwnerXray,     [401, 200, 404, 200, 404, 200, 404, 404, 200]),
    ("GET",    "/api/xrays/{id}/original",            Case::OwnerXray,     [401, 403, 404, 200, 404, 200, 404, 404, 403]),
    ("GET",    "/api/patients/{id}/xrays",            Case::OwnerChart,    [401, 200, 404, 200, 404, 200, 403, 403, 200]),
    ("POST",   "/api/medical-records",                Case::WriteNote,     [401, 403, 403, 201, 404, 403, 403, 403, 403]),
    ("GET",    "/api/patients/{id}/medical-records",  Case::OwnerChart,    [401, 200, 404, 200, 404, 200, 403, 403, 200]),
    ("GET",    "/api/medical-records/{id}",           Case::OwnerNote,     [401, 200, 404, 200, 404, 200, 403, 403, 200]),
    ("PUT",    "/api/medical-records/{id}",           Case::CorrectOwnerNote, [401, 403, 404, 200, 404, 403, 403, 403, 403]),
    ("DELETE", "/api/medical-records/{id}",           Case::OwnerNoteInError, [401, 403, 404, 200, 404, 403, 403, 403, 200]),
    ("POST",   "/api/medical-records/{id}/addenda",   Case::AddAddendum,   [401, 403, 404, 201, 404, 201, 403, 403, 403]),
    ("GET",    "/api/icd10",                          Case::CodeSearch,    [401, 403, 403, 200, 200, 200, 403, 403, 200]),
    ("POST",   "/api/patients/{id}/break-glass",      Case::BreakGlassFreshPatient, [401, 403, 403, 201, 201, 403, 403, 403, 403]),
    ("GET",    "/api/patients",                       Case::Plain,         [401, 403, 403, 200, 200, 200, 200, 403, 200]),
    ("POST",   "/api/patients",                       Case::RegisterWalkIn, [401, 403, 403, 403, 403, 403, 201, 403, 201]),
    ("GET",    "/api/break-glass",                    Case::Plain,         [401, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("GET",    "/api/users",                          Case::Plain,         [401, 403, 403, 403, 403, 403, 200, 403, 200]),
    ("POST",   "/api/users",                          Case::CreatePatientAccount, [401, 403, 403, 403, 403, 403, 201, 403, 201]),
    ("GET",    "/api/users/{id}",                     Case::OwnerUser,     [401, 403, 403, 403, 403, 403, 200, 403, 200]),
    ("PUT",    "/api/users/{id}",                     Case::RenameOwner,   [401, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("POST",   "/api/users/{id}/verify",              Case::VerifyFreshDoctor, [401, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("POST",   "/api/users/{id}/verify-email",        Case::OwnerUser,     [401, 403, 403, 403, 403, 403, 200, 403, 200]),
    ("POST",   "/api/users/{id}/deactivate",          Case::DeactivateFreshPatient, [401, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("GET",    "/api/outbox",                         Case::Plain,         [401, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("GET",    "/api/audit",                          Case::Plain,         [401, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("GET",    "/api/audit/chain",                    Case::Plain,         [401, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("POST",   "/api/audit/verify",                   Case::Plain,         [401, 403, 403, 403, 403, 403, 403, 403, 200]),
    ("GET",    "/api/doctors",                        Case::Plain,         [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/doctors",                        Case::CreateDoctor,  [401, 403, 403, 403, 403, 403, 403, 403, 201]),
    ("GET",    "/api/doctors/{id}",                   Case::ObjectDoctor,  [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("PUT",    "/api/doctors/{id}",                   Case::UpdateObjectDoctor, [401, 403, 403, 200, 403, 403, 403, 403, 200]),
    ("DELETE", "/api/doctors/{id}",                   Case::RemoveFreshDoctor, [401, 403, 403, 403, 403, 403, 403, 403, 204]),
    ("GET",    "/api/doctors/{id}/available_slots",   Case::ObjectDoctorSlots, [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/doctors/{id}/days-off",          Case::ObjectDoctor,  [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/doctors/{id}/days-off",          Case::AddDayOff,     [401, 403, 403, 200, 403, 403, 403, 403, 200]),
    ("GET",    "/api/doctors/{id}/reviews",           Case::ObjectDoctor,  [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/doctors/{id}/reviews",           Case::ReviewCompletedVisit, [401, 201, 403, 403, 403, 403, 403, 403, 403]),
    ("GET",    "/api/notifications",                  Case::Plain,         [401, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/notifications/unread",           Case::Plain,         [401, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/notifications/read-all",         Case::Plain,         [401, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("POST",   "/api/notifications/{id}/read",        Case::ReadOwnerNotification, [401, 204, 404, 404, 404, 404, 404, 404, 404]),
    ("POST",   "/api/appointments",                   Case::Book,          [401, 201, 403, 403, 403, 403, 201, 403, 201]),
    ("GET",    "/api/appointments",                   Case::Plain,         [401, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/appointments/calendar",          Case::Plain,         [401, 200, 200, 200, 200, 200, 200, 200, 200]),
    ("GET",    "/api/appointments/{id}",              Case::Appointment,   [401, 200, 404, 200, 404, 200, 200, 200, 200]),
    ("PUT",    "/api/appointments/{id}",              Case::Reschedule,    [401, 200, 404, 403, 404, 403, 200, 403, 200]),
    ("POST",   "/api/appointments/{id}/cancel",       Case::Cancel,        [401, 200, 404, 200, 404, 403, 200, 403, 200]),
    ("POST",   "/api/appointments/{id}/accept",       Case::Accept,        [401, 403, 404, 200, 404, 403, 403, 403, 200]),
    ("POST",   "/api/appointments/{id}/reject",       Case::Reject,        [401, 403, 404, 200, 404, 403, 403, 403, 200]),
    ("POST",   "/api/appointments/{id}/complete",     Case::Complete,      [401, 403, 404, 200, 404, 403, 403, 403, 200]),
    ("POST",   "/api/appointments/{id}/no_show",      Case::NoShow,        [401, 403, 404, 200, 404, 403, 403, 403, 200]),
    ("POST",   "/api/questions",                      Case::AskClinic,     [401, 201, 201, 403, 403, 403, 403, 403, 403]),
    ("GET",    "/api/questions",                      Case::Plain,         [401, 200, 200, 200, 200, 403, 403, 403, 200]),
    ("GET",    "/api/questions/pending",              Case::Plain,         [401, 403, 403, 200, 200, 403, 403, 403, 200]),
    ("GET",    "/api/questions/{id}",                 Case::OwnerQuestion, [401, 200, 404, 200, 404, 403, 403, 403, 200]),
    ("POST",   "/api/questions/{id}/response",        Case::AnswerOwnerQuestion, [401, 403, 403, 200, 404, 403, 403, 403, 403]),
    ("POST",   "/api/questions/{id}/follow-up",       Case::FollowUpOwnerQuestion, [401, 200, 404, 403, 403, 403, 403, 403, 403]),
    ("POST",   "/api/questions/{id}/close",           Case::OwnerQuestion, [401, 200, 404, 403, 403, 403, 403, 403, 403]),
    ("GET",    "/api/questions/{doctor_id}/{patient_id}", Case::OwnerAndDoctorQuestions, [401, 200, 404, 200, 404, 403, 403, 403, 200]),
    // Billing: patients their own bills (and pay them online), the desk and admins every bill;
    // managers read the reports only; doctors and nurses don't handle money.
    ("GET",    "/api/billing",                        Case::Plain,         [401, 200, 200, 403, 403, 403, 200, 403, 200]),
    ("POST",   "/api/billing",                        Case::CreateOwnerInvoice, [401, 403, 403, 403, 403, 403, 201, 403, 201]),
    ("GET",    "/api/billing/{id}",                   Case::OwnerInvoice,  [401, 200, 404, 403, 403, 403, 200, 403, 200]),
    ("PUT",    "/api/billing/{id}",                   Case::VoidOwnerInvoice, [401, 403, 403, 403, 403, 403, 200, 403, 200]),
    ("POST",   "/api/billing/{id}/payments",          Case::PayOwnerInvoice, [401, 201, 404, 403, 403, 403, 201, 403, 201]),
    ("POST",   "/api/billing/{id}/refunds",           Case::RefundOwnerInvoice, [401, 403, 403, 403, 403, 403, 201, 403, 201]),
    ("POST",   "/api/billing/{id}/credit-notes",      Case::CreditOwnerInvoice, [401, 403, 403, 403, 403, 403, 201, 403, 201]),
    // Reports: managers and admins only; the figures name no patient.
    ("GET",    "/api/reports/revenue-summary",        Case::Plain,         [401, 403, 403, 403, 403, 403, 403, 200, 200]),
    ("GET",    "/api/reports/revenue-summary.csv",    Case::Plain,         [401, 403, 403, 403, 403, 403, 403, 200, 200]),
    ("GET",    "/api/reports/patient-summary",        Case::Plain,         [401, 403, 403, 403, 403, 403, 403, 200, 200]),
    ("GET",    "/api/reports/patient-summary.csv",    Case::Plain,         [401, 403, 403, 403, 403, 403, 403, 200, 200]),
    ("GET",    "/api/receipts/{id}",                  Case::OwnerReceipt,  [401, 200, 404, 403, 403, 403, 200, 403, 200]),
    ("GET",    "/api/receipts/{id}/pdf",              Case::OwnerReceipt,  [401, 200, 404, 403, 403, 403, 200, 403, 200]),
    ("GET",    "/api/claims",                         Case::Plain,         [401, 200, 200, 403, 403, 403, 200, 403, 200]),
    ("POST",   "/api/claims",                         Case::SubmitOwnerClaim, [401, 403, 403, 403, 403, 403, 201, 403, 201]),
    ("GET",    "/api/claims/{id}",                    Case::OwnerClaim,    [401, 200, 404, 403, 403, 403, 200, 403, 200]),
    ("PUT",    "/api/claims/{id}",                    Case::ReviewOwnerClaim, [401, 403, 403, 403, 403, 403, 200, 403, 200]),
    ("GET",    "/api/patients/{id}/insurance",        Case::OwnerChart,    [401, 200, 404, 403, 403, 403, 200, 403, 200]),
    ("POST",   "/api/patients/{id}/insurance",        Case::AddOwnerPolicy, [401, 201, 404, 403, 403, 403, 201, 403, 201]),
    // Prescriptions: patients their own, clinicians the charts they read; the pharmacy (the
    // desk) its queue; refill requests between patients and their doctors.
    ("GET",    "/api/prescriptions",                  Case::OwnerPrescriptions, [401, 200, 404, 200, 404, 200, 403, 403, 200]),
    ("GET",    "/api/prescriptions/to-dispense",      Case::Plain,         [401, 403, 403, 403, 403, 403, 200, 403, 200]),
    ("POST",   "/api/prescriptions/{id}/refill-requests", Case::RequestOwnerRefill, [401, 201, 404, 403, 403, 403, 403, 403, 403]),
    ("POST",   "/api/refill-requests",                Case::AskForMedicine, [401, 201, 422, 403, 403, 403, 403, 403, 403]),
    ("GET",    "/api/refill-requests",                Case::Plain,         [401, 200, 200, 200, 200, 403, 403, 403, 200]),
    ("POST",   "/api/refill-requests/{id}/approve",   Case::ApproveOwnerRefill, [401, 403, 403, 200, 404, 403, 403, 403, 403]),
    ("POST",   "/api/refill-requests/{id}/deny",      Case::DenyOwnerRefill, [401, 403, 403, 200, 404, 403, 403, 403, 403]),
    // Inventory: the desk (pharmacy) and admins keep it; doctors and nurses look it up.
    ("GET",    "/api/inventory",                      Case::Plain,         [401, 403, 403, 200, 200, 200, 200, 403, 200]),
    ("POST",   "/api/inventory",                      Case::CreateStockItem, [401, 403, 403, 403, 403, 403, 201, 403, 201]),
    ("GET",    "/api/inventory/alerts",               Case::Plain,         [401, 403, 403, 200, 200, 200, 200, 403, 200]),
    ("GET",    "/api/inventory/{id}",                 Case::StockItem,     [401, 403, 403, 200, 200, 200, 200, 403, 200]),
    ("PUT",    "/api/inventory/{id}",                 Case::UpdateStockItem, [401, 403, 403, 403, 403, 403, 200, 403, 200]),
    ("DELETE", "/api/inventory/{id}",                 Case::StockItem,     [401, 403, 403, 403, 403, 403, 204, 403, 204]),
    ("POST",   "/api/inventory/{id}/movements",       Case::ReceiveStock,  [401, 403, 403, 403, 403, 403, 201, 403, 201]),
    ("GET",    "/health",                             Case::Plain,         [200, 200, 200, 200, 200, 200, 200, 200, 200]),
];

/// The people and objects of the table: a patient who owns an appointment with a doctor,
/// another patient, another doctor, and one account of each clinic role.
struct World {
    app: TestApp,
    emails: HashMap<Who, String>,
    /// Replaced when a cell ends the caller's other sign-ins (a password change does).
    tokens: Mutex<HashMap<Who, String>>,
    owner_user_id: i64,
    owner_patient_id: i64,
    doctor_id: i64,
    /// Numbers fresh emails and slots.
    counter: AtomicUsize,
}

impl World {
    async fn new(pool: PgPool) -> Self {
        // Every cell that needs a sign-in of its own makes one: more than the per-account
        // limit allows in 15 minutes.
        let config = Config { login_per_account_per_15_minutes: 10_000, login_per_ip_per_minute: 10_000, ..Config::for_tests() };
        let app = TestApp::spawn_with(pool, config).await;
        let admin = app.admin().await;
        let mut emails = HashMap::from([(Who::Admin, "root@clinic.test".to_owned())]);
        let mut tokens = HashMap::from([(Who::Admin, admin.clone())]);
        for (who, role) in [(Who::Nurse, "nurse"), (Who::Staff, "staff"), (Who::Manager, "manager")] {
            let email = format!("{role}@matrix.test");
            let account = json!({"name": format!("The {role}"), "email": email, "password": PASSWORD, "role": role});
            assert_eq!(app.post("/api/users", account, Some(&admin)).await.status(), StatusCode::CREATED);
            tokens.insert(who, app.token(&email, PASSWORD).await);
            emails.insert(who, email);
        }
        let mut doctor_ids = Vec::new();
        for (who, email) in [(Who::ObjectDoctor, "doctor@matrix.test"), (Who::OtherDoctor, "other-doctor@matrix.test")] {
            let doctor = json!({"name": "Dr. Matrix", "email": email, "password": PASSWORD, "specialization": "Family Medicine"});
            let created = app.post("/api/doctors", doctor, Some(&admin)).await;
            assert_eq!(created.status(), StatusCode::CREATED);
            doctor_ids.push(body(created).await["id"].as_i64().unwrap());
            tokens.insert(who, app.token(email, PASSWORD).await);
            emails.insert(who, email.to_owned());
        }
        let mut patients = Vec::new();
        for (who, email) in [(Who::Owner, "owner@matrix.test"), (Who::OtherPatient, "other@matrix.test")] {
            let (user_id, token) = app.patient(email).await;
            let link = app.verification_token_for(email).await;
            assert_eq!(app.post("/api/auth/verify-email", json!({"token": link}), None).await.status(), StatusCode::OK);
            patients.push(user_id);
            tokens.insert(who, token);
            emails.insert(who, email.to_owned());
        }
        let owner_patient_id =
            sqlx::query_scalar("SELECT id FROM patients WHERE user_id = $1").bind(patients[0]).fetch_one(&app.pool).await.unwrap();
        let world = World {
            app,
            emails,
            tokens: Mutex::new(tokens),
            owner_user_id: patients[0],
            owner_patient_id,
            doctor_id: doctor_ids[0],
            counter: AtomicUsize::new(0),
        };
        // The object's doctor treats the owner: an accepted visit (a pending one is no
        // relationship for the chart).
        world.accepted_appointment().await;
        world
    }

    fn next(&self) -> usize {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }

    fn token(&self, who: Who) -> Option<String> {
        self.tokens.lock().unwrap().get(&who).cloned()
    }

    /// A fresh free slot of the object's doctor: weekdays from next week on, 12 a day.
    fn fresh_slot(&self) -> (NaiveDate, String) {
        let n = self.next();
        let times = ["10:00", "10:30", "11:00", "11:30", "12:00", "12:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30"];
        let mut day = Utc::now().date_naive() + Duration::days(7);
        let mut weekdays_left = n / times.len();
        loop {
            if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
                if weekdays_left == 0 {
                    break;
                }
                weekdays_left -= 1;
            }
            day += Duration::days(1);
        }
        (day, times[n % times.len()].to_owned())
    }

    /// A visit note about the owner.
    fn note(&self) -> Value {
        json!({"patient_id": self.owner_patient_id, "diagnoses": [{"code": "I10"}], "treatment": "Lifestyle advice"})
    }

    /// A fresh note about the owner, written by the object's doctor.
    /// A document on the owner's chart, filed by the nurse.
    async fn owner_report(&self) -> i64 {
        let form = crate::documents::upload_form("Lab result", "lab", "lab.pdf", crate::documents::pdf(), "application/pdf");
        let path = self.app.url(&format!("/api/patients/{}/reports", self.owner_patient_id));
        let added = self.app.client.post(path).bearer_auth(self.token(Who::Nurse).unwrap()).multipart(form).send().await.unwrap();
        assert_eq!(added.status(), StatusCode::CREATED);
        body(added).await["id"].as_i64().unwrap()
    }

    /// A fresh DICOM x-ray, uploaded by the owner.
    async fn owner_xray(&self) -> i64 {
        let form = crate::xrays::form("Head CT", "skull", "ct.dcm", crate::xrays::dicom("CT_small.dcm"));
        let added = crate::xrays::upload(&self.app, &self.token(Who::Owner).unwrap(), form).await;
        assert_eq!(added.status(), StatusCode::CREATED);
        body(added).await["id"].as_i64().unwrap()
    }

    /// A fresh question of the owner to the object's doctor.
    async fn owner_question(&self) -> i64 {
        let question = json!({"question_text": "Should I fast before the blood test?", "doctor_id": self.doctor_id});
        let asked = self.app.post("/api/questions", question, self.token(Who::Owner).as_deref()).await;
        assert_eq!(asked.status(), StatusCode::CREATED);
        body(asked).await["id"].as_i64().unwrap()
    }

    /// A fresh issued invoice of the owner (two lines, 90.00 USD), made by the desk.
    async fn owner_invoice(&self) -> i64 {
        let invoice = json!({"patient_id": self.owner_patient_id, "currency": "USD",
                             "lines": [{"description": "Blood test", "quantity": 2, "unit_price_cents": 2500}, {"description": "ECG", "unit_price_cents": 4000}]});
        let created = self.app.post("/api/billing", invoice, self.token(Who::Staff).as_deref()).await;
        assert_eq!(created.status(), StatusCode::CREATED);
        body(created).await["id"].as_i64().unwrap()
    }

    /// A fresh invoice of the owner with 30.00 USD paid in cash at the desk; answers (invoice, receipt).
    async fn owner_paid_invoice(&self) -> (i64, i64) {
        let id = self.owner_invoice().await;
        let cash = json!({"amount_cents": 3000, "method": "cash"});
        let paid = self.app.post(&format!("/api/billing/{id}/payments"), cash, self.token(Who::Staff).as_deref()).await;
        assert_eq!(paid.status(), StatusCode::CREATED);
        (id, body(paid).await["payment"]["id"].as_i64().unwrap())
    }

    /// A fresh insurance policy of the owner, added by the desk.
    async fn owner_policy(&self) -> i64 {
        let policy = json!({"payer": "Acme Health", "member_id": format!("M-{}", self.next())});
        let path = format!("/api/patients/{}/insurance", self.owner_patient_id);
        let added = self.app.post(&path, policy, self.token(Who::Staff).as_deref()).await;
        assert_eq!(added.status(), StatusCode::CREATED);
        body(added).await["id"].as_i64().unwrap()
    }

    /// A fresh claim of 50.00 USD on a fresh invoice of the owner.
    async fn owner_claim(&self) -> i64 {
        let claim = json!({"invoice_id": self.owner_invoice().await, "policy_id": self.owner_policy().await, "amount_cents": 5000});
        let submitted = self.app.post("/api/claims", claim, self.token(Who::Staff).as_deref()).await;
        assert_eq!(submitted.status(), StatusCode::CREATED);
        body(submitted).await["id"].as_i64().unwrap()
    }

    /// A fresh prescription of the owner's (two refills), in a note by the object's doctor.
    async fn owner_prescription(&self) -> i64 {
        let mut note = self.note();
        note["prescriptions"] = json!([{"drug": "Amlodipine", "dose": "5 mg", "frequency": "once a day", "quantity": 30, "refills": 2}]);
        let written = self.app.post("/api/medical-records", note, self.token(Who::ObjectDoctor).as_deref()).await;
        assert_eq!(written.status(), StatusCode::CREATED);
        let encounter = body(written).await["id"].as_i64().unwrap();
        sqlx::query_scalar("SELECT id FROM prescriptions WHERE encounter_id = $1").bind(encounter).fetch_one(&self.app.pool).await.unwrap()
    }

    /// A fresh pending refill request of the owner's.
    async fn owner_refill_request(&self) -> i64 {
        let path = format!("/api/prescriptions/{}/refill-requests", self.owner_prescription().await);
        let asked = self.app.post(&path, json!({"note": "Almost out"}), self.token(Who::Owner).as_deref()).await;
        assert_eq!(asked.status(), StatusCode::CREATED);
        body(asked).await["id"].as_i64().unwrap()
    }

    /// A fresh item of stock (a supply), made by the desk.
    async fn stock_item(&self) -> i64 {
        let item = json!({"name": format!("Bandage {}", self.next()), "kind": "supply", "unit": "roll", "reorder_level": 5});
        let created = self.app.post("/api/inventory", item, self.token(Who::Staff).as_deref()).await;
        assert_eq!(created.status(), StatusCode::CREATED);
        body(created).await["id"].as_i64().unwrap()
    }

    async fn owner_note(&self) -> i64 {
        let written = self.app.post("/api/medical-records", self.note(), self.token(Who::ObjectDoctor).as_deref()).await;
        assert_eq!(written.status(), StatusCode::CREATED);
        body(written).await["id"].as_i64().unwrap()
    }

    /// A new pending appointment of the owner with the object's doctor.
    async fn fresh_appointment(&self) -> i64 {
        let (date, time) = self.fresh_slot();
        let booking = json!({"doctor_id": self.doctor_id, "date": date.to_string(), "time_slot": time});
        let response = self.app.post("/api/appointments", booking, self.token(Who::Owner).as_deref()).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        body(response).await["id"].as_i64().unwrap()
    }

    async fn accepted_appointment(&self) -> i64 {
        let id = self.fresh_appointment().await;
        let accepted = self.app.post(&format!("/api/appointments/{id}/accept"), json!({}), self.token(Who::ObjectDoctor).as_deref()).await;
        assert_eq!(accepted.status(), StatusCode::OK);
        id
    }

    /// An accepted appointment whose time has come (moved into the past behind the API's back).
    async fn past_accepted_appointment(&self) -> i64 {
        let id = self.accepted_appointment().await;
        let shift = Duration::days(30 + self.next() as i64);
        sqlx::query("UPDATE appointments SET starts_at = starts_at - $2::interval, ends_at = ends_at - $2::interval WHERE id = $1")
            .bind(id)
            .bind(format!("{} days", shift.num_days()))
            .execute(&self.app.pool)
            .await
            .unwrap();
        id
    }

    async fn completed_appointment(&self) -> i64 {
        let id = self.past_accepted_appointment().await;
        let done = self.app.post(&format!("/api/appointments/{id}/complete"), json!({}), self.token(Who::ObjectDoctor).as_deref()).await;
        assert_eq!(done.status(), StatusCode::OK);
        id
    }

    async fn fresh_patient_user(&self) -> i64 {
        let (user_id, _) = self.app.patient(&format!("fresh{}@matrix.test", self.next())).await;
        user_id
    }

    /// A self-registered doctor, not yet verified; answers the account id.
    async fn fresh_unverified_doctor(&self) -> i64 {
        let registered = self.app.register("Dr. New", &format!("new-doctor{}@matrix.test", self.next()), "doctor").await;
        assert_eq!(registered.status(), StatusCode::CREATED);
        body(registered).await["id"].as_i64().unwrap()
    }

    async fn fresh_doctor(&self) -> i64 {
        let doctor = json!({"name": "Dr. Brief", "email": format!("brief{}@matrix.test", self.next()), "password": PASSWORD});
        let created = self.app.post("/api/doctors", doctor, self.token(Who::Admin).as_deref()).await;
        assert_eq!(created.status(), StatusCode::CREATED);
        body(created).await["id"].as_i64().unwrap()
    }

    /// The request of one cell: method, concrete path, body, and the token to send.
    async fn request(&self, method: &str, path: &str, case: Case, who: Who) -> (Method, String, Option<Value>, Option<String>) {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let token = self.token(who);
        let with_id = |id: i64| path.replace("{id}", &id.to_string());
        let fresh_email = || format!("m{}@matrix.test", self.next());
        let (path, body, token) = match case {
            Case::Plain => (path.to_owned(), None, token),
            Case::Register => (
                path.to_owned(),
                Some(json!({"name": "New Person", "email": fresh_email(), "password": PASSWORD, "role": "patient"})),
                token,
            ),
            Case::Login => (path.to_owned(), Some(json!({"email": self.emails[&Who::Owner], "password": PASSWORD})), token),
            Case::Logout => {
                let own = match self.emails.get(&who) {
                    Some(email) => Some(self.app.token(email, PASSWORD).await),
                    None => None,
                };
                (path.to_owned(), None, own)
            }
            Case::VerifyEmail => (path.to_owned(), Some(json!({"token": "not-a-token-we-sent"})), token),
            Case::AcceptInvitation => (path.to_owned(), Some(json!({"token": "not-a-token-we-sent", "password": PASSWORD})), token),
            Case::RegisterWalkIn => {
                let walk_in = json!({"name": format!("Walk In {}", self.next()), "date_of_birth": "1970-01-01", "phone": "555 0100"});
                (path.to_owned(), Some(walk_in), token)
            }
            // Changes the password to itself; the caller signs in again afterwards, as every
            // other sign-in of theirs ends.
            Case::ChangePassword => (path.to_owned(), Some(json!({"current_password": PASSWORD, "new_password": PASSWORD})), token),
            Case::RevokeOwnerSession => {
                self.app.token(&self.emails[&Who::Owner], PASSWORD).await;
                let session: i64 = sqlx::query_scalar("SELECT max(id) FROM auth_sessions WHERE user_id = $1")
                    .bind(self.owner_user_id)
                    .fetch_one(&self.app.pool)
                    .await
                    .unwrap();
                (with_id(session), None, token)
            }
            Case::UpdateProfile => (path.to_owned(), Some(json!({"phone": "+1 555 0100"})), token),
            Case::CreatePatientAccount => (
                path.to_owned(),
                Some(json!({"name": "Desk Patient", "email": fresh_email(), "password": PASSWORD, "role": "patient"})),
                token,
            ),
            Case::OwnerUser => (with_id(self.owner_user_id), None, token),
            Case::RenameOwner => (with_id(self.owner_user_id), Some(json!({"name": "Owen Owner"})), token),
            Case::VerifyFreshDoctor => (with_id(self.fresh_unverified_doctor().await), None, token),
            Case::DeactivateFreshPatient => (with_id(self.fresh_patient_user().await), None, token),
            Case::CreateDoctor => {
                (path.to_owned(), Some(json!({"name": "Dr. Created", "email": fresh_email(), "password": PASSWORD})), token)
            }
            Case::ObjectDoctor => (with_id(self.doctor_id), None, token),
            Case::UpdateObjectDoctor => (with_id(self.doctor_id), Some(json!({"bio": "Family doctor."})), token),
            Case::RemoveFreshDoctor => (with_id(self.fresh_doctor().await), None, token),
            Case::ObjectDoctorSlots => {
                let (date, _) = self.fresh_slot();
                (format!("{}?date={date}", with_id(self.doctor_id)), None, token)
            }
            Case::AddDayOff => {
                let date = Utc::now().date_naive() + Duration::days(400 + self.next() as i64);
                (with_id(self.doctor_id), Some(json!({"date": date.to_string(), "reason": "conference"})), token)
            }
            Case::ReviewCompletedVisit => {
                let visit = self.completed_appointment().await;
                (with_id(self.doctor_id), Some(json!({"appointment_id": visit, "rating": 5, "text": "Kind and clear."})), token)
            }
            Case::ReadOwnerNotification => {
                let notification: i64 = sqlx::query_scalar("SELECT max(id) FROM notifications WHERE user_id = $1")
                    .bind(self.owner_user_id)
                    .fetch_one(&self.app.pool)
                    .await
                    .unwrap();
                (with_id(notification), None, token)
            }
            Case::Book => {
                let (date, time) = self.fresh_slot();
                let booking =
                    json!({"doctor_id": self.doctor_id, "date": date.to_string(), "time_slot": time, "patient_id": self.owner_patient_id});
                (path.to_owned(), Some(booking), token)
            }
            Case::Appointment => (with_id(self.fresh_appointment().await), None, token),
            Case::Reschedule => {
                let id = self.fresh_appointment().await;
                let (date, time) = self.fresh_slot();
                (with_id(id), Some(json!({"date": date.to_string(), "time_slot": time})), token)
            }
            Case::Cancel => (with_id(self.fresh_appointment().await), Some(json!({"reason": "plans changed"})), token),
            Case::Accept => (with_id(self.fresh_appointment().await), None, token),
            Case::Reject => (with_id(self.fresh_appointment().await), Some(json!({"reason": "fully booked"})), token),
            Case::Complete => (with_id(self.past_accepted_appointment().await), Some(json!({"notes": "All well."})), token),
            Case::NoShow => (with_id(self.past_accepted_appointment().await), None, token),
            Case::CloseOwnAccount => {
                let token = match who {
                    Who::Owner | Who::OtherPatient => {
                        let email = fresh_email();
                        Some(self.app.patient(&email).await.1)
                    }
                    _ => token,
                };
                (path.to_owned(), Some(json!({"password": PASSWORD})), token)
            }
            Case::OwnerChart => (with_id(self.owner_patient_id), None, token),
            Case::AddHistory => (with_id(self.owner_patient_id), Some(json!({"kind": "condition", "name": "Hay fever"})), token),
            Case::AddAllergy => {
                let allergy = json!({"substance": format!("Substance {}", self.next()), "severity": "mild", "status": "inactive"});
                (with_id(self.owner_patient_id), Some(allergy), token)
            }
            Case::ChangeOwnerAllergy => {
                let allergy = json!({"substance": format!("Substance {}", self.next()), "severity": "mild", "status": "inactive"});
                let path = format!("/api/patients/{}/allergies", self.owner_patient_id);
                let added = self.app.post(&path, allergy, self.token(Who::Nurse).as_deref()).await;
                assert_eq!(added.status(), StatusCode::CREATED);
                (with_id(body(added).await["id"].as_i64().unwrap()), Some(json!({"status": "inactive"})), token)
            }
            Case::AddVitals => (with_id(self.owner_patient_id), Some(json!({"pulse": 64, "spo2": 98})), token),
            // The multipart body is added in `status_of`.
            Case::UploadReport => (with_id(self.owner_patient_id), None, token),
            Case::OwnerReport => (with_id(self.owner_report().await), None, token),
            Case::UploadXray => (path.to_owned(), None, token),
            Case::OwnerXray => (with_id(self.owner_xray().await), None, token),
            Case::ResultOwnerXray => (with_id(self.owner_xray().await), Some(json!({"result": "No fracture."})), token),
            Case::WriteNote => (path.to_owned(), Some(self.note()), token),
            Case::OwnerNote => (with_id(self.owner_note().await), None, token),
            Case::CorrectOwnerNote => {
                let correction = json!({"diagnoses": [{"code": "I10"}, {"code": "E78.5"}], "treatment": "Diet"});
                (with_id(self.owner_note().await), Some(correction), token)
            }
            Case::OwnerNoteInError => (with_id(self.owner_note().await), Some(json!({"reason": "Wrong patient"})), token),
            Case::AddAddendum => (with_id(self.owner_note().await), Some(json!({"text": "Lab results normal."})), token),
            Case::AskClinic => (path.to_owned(), Some(json!({"question_text": "Do you offer flu shots?"})), token),
            Case::OwnerQuestion => (with_id(self.owner_question().await), None, token),
            Case::AnswerOwnerQuestion => (with_id(self.owner_question().await), Some(json!({"response_text": "Yes, for 8 hours."})), token),
            Case::FollowUpOwnerQuestion => (with_id(self.owner_question().await), Some(json!({"text": "Water is fine?"})), token),
            Case::OwnerAndDoctorQuestions => {
                self.owner_question().await;
                let path =
                    path.replace("{doctor_id}", &self.doctor_id.to_string()).replace("{patient_id}", &self.owner_patient_id.to_string());
                (path, None, token)
            }
            Case::CodeSearch => (format!("{path}?q=hypertension"), None, token),
            Case::BreakGlassFreshPatient => {
                let user_id = self.fresh_patient_user().await;
                let patient_id: i64 =
                    sqlx::query_scalar("SELECT id FROM patients WHERE user_id = $1").bind(user_id).fetch_one(&self.app.pool).await.unwrap();
                (with_id(patient_id), Some(json!({"reason": "Brought in unconscious, no treating doctor"})), token)
            }
            Case::UpdateRegistration => (with_id(self.owner_patient_id), Some(json!({"address": "1 Registry Road"})), token),
            Case::CreateOwnerInvoice => {
                let invoice = json!({"patient_id": self.owner_patient_id, "currency": "USD", "lines": [{"description": "Dressing", "unit_price_cents": 1500}]});
                (path.to_owned(), Some(invoice), token)
            }
            Case::OwnerInvoice => (with_id(self.owner_invoice().await), None, token),
            Case::VoidOwnerInvoice => {
                (with_id(self.owner_invoice().await), Some(json!({"status": "void", "reason": "Billed twice"})), token)
            }
            Case::PayOwnerInvoice => {
                let payment = match who {
                    Who::Owner | Who::OtherPatient => json!({"amount_cents": 2000, "method": "card", "card_token": "4242 4242 4242 4242"}),
                    _ => json!({"amount_cents": 2000, "method": "cash"}),
                };
                (with_id(self.owner_invoice().await), Some(payment), token)
            }
            Case::RefundOwnerInvoice => {
                let (id, _) = self.owner_paid_invoice().await;
                (with_id(id), Some(json!({"amount_cents": 1000, "method": "cash", "reason": "Test not done"})), token)
            }
            Case::CreditOwnerInvoice => {
                (with_id(self.owner_invoice().await), Some(json!({"amount_cents": 500, "reason": "Loyalty discount"})), token)
            }
            Case::OwnerReceipt => (with_id(self.owner_paid_invoice().await.1), None, token),
            Case::SubmitOwnerClaim => {
                let claim = json!({"invoice_id": self.owner_invoice().await, "policy_id": self.owner_policy().await, "amount_cents": 4000});
                (path.to_owned(), Some(claim), token)
            }
            Case::OwnerClaim => (with_id(self.owner_claim().await), None, token),
            Case::ReviewOwnerClaim => (with_id(self.owner_claim().await), Some(json!({"status": "in_review"})), token),
            Case::AddOwnerPolicy => {
                let policy = json!({"payer": "Blue Shield", "member_id": format!("B-{}", self.next()), "plan": "Silver"});
                (with_id(self.owner_patient_id), Some(policy), token)
            }
            Case::OwnerPrescriptions => {
                self.owner_prescription().await;
                (format!("{path}?patient_id={}", self.owner_patient_id), None, token)
            }
            Case::RequestOwnerRefill => (with_id(self.owner_prescription().await), Some(json!({"note": "Going on holiday"})), token),
            Case::AskForMedicine => (path.to_owned(), Some(json!({"doctor_id": self.doctor_id, "drug": "Cetirizine"})), token),
            Case::ApproveOwnerRefill => (with_id(self.owner_refill_request().await), Some(json!({"note": "Approved."})), token),
            Case::DenyOwnerRefill => (with_id(self.owner_refill_request().await), Some(json!({"note": "Come in first."})), token),
            Case::StockItem => (with_id(self.stock_item().await), None, token),
            Case::CreateStockItem => {
                let item = json!({"name": format!("Syringe {}", self.next()), "kind": "supply", "unit": "piece"});
                (path.to_owned(), Some(item), token)
            }
            Case::UpdateStockItem => (with_id(self.stock_item().await), Some(json!({"reorder_level": 12})), token),
            Case::ReceiveStock => {
                let receipt = json!({"kind": "receive", "quantity": 10, "lot_number": format!("L-{}", self.next()), "expiry_date": (Utc::now().date_naive() + Duration::days(400)).to_string()});
                (with_id(self.stock_item().await), Some(receipt), token)
            }
            Case::EraseFreshPatient => {
                let user_id = self.fresh_patient_user().await;
                let patient_id: i64 =
                    sqlx::query_scalar("SELECT id FROM patients WHERE user_id = $1").bind(user_id).fetch_one(&self.app.pool).await.unwrap();
                (with_id(patient_id), Some(json!({"reason": "asked in writing"})), token)
            }
        };
        (method, path, body, token)
    }

    async fn status_of(&self, method: &str, path: &str, case: Case, who: Who) -> u16 {
        let (method, path, body, token) = self.request(method, path, case, who).await;
        let mut request = self.app.client.request(method, self.app.url(&path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        if matches!(case, Case::UploadReport) {
            request = request.multipart(crate::documents::upload_form("Scan", "lab", "scan.png", crate::documents::png(), "image/png"));
        }
        if matches!(case, Case::UploadXray) {
            let form = crate::xrays::form("Chest", "chest", "ct.dcm", crate::xrays::dicom("CT_small.dcm"))
                .text("patient_id", self.owner_patient_id.to_string());
            request = request.multipart(form);
        }
        let status = request.send().await.unwrap().status().as_u16();
        if matches!(case, Case::ChangePassword) && status == 204 {
            let fresh = self.app.token(&self.emails[&who], PASSWORD).await;
            self.tokens.lock().unwrap().insert(who, fresh);
        }
        status
    }
}

#[sqlx::test(migrations = "./migrations")]
async fn every_route_answers_every_kind_of_caller_as_the_matrix_says(pool: PgPool) {
    let world = World::new(pool).await;

    let documented = documented_operations(&openapi_document(&world.app).await);
    let in_matrix: BTreeSet<(String, String)> = MATRIX.iter().map(|(m, p, _, _)| (m.to_string(), p.to_string())).collect();
    let without_row: Vec<_> = documented.difference(&in_matrix).collect();
    assert!(without_row.is_empty(), "operations without a row in the matrix (say who may call them): {without_row:?}");
    let stale: Vec<_> = in_matrix.difference(&documented).collect();
    assert!(stale.is_empty(), "matrix rows for operations the API does not have: {stale:?}");
    assert_eq!(in_matrix.len(), MATRIX.len(), "one row per operation");

    let mut wrong = Vec::new();
    for (method, path, case, expected) in MATRIX {
        for (who, expected) in CALLERS.iter().zip(expected) {
            let status = world.status_of(method, path, *case, *who).await;
            if status != *expected {
                wrong.push(format!("{method} {path} as {who:?}: {status}, expected {expected}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{} cells differ from the matrix:\n{}", wrong.len(), wrong.join("\n"));
}

/// Minimum necessary: a visit's clinical content (its reason and notes) reaches the patient,
/// their doctor, nurses and admins; the front desk and managers get the scheduling fields only
/// — the clinical ones are absent from the answer, not just empty.
#[sqlx::test(migrations = "./migrations")]
async fn clinical_fields_of_a_visit_reach_only_the_roles_that_read_clinical_content(pool: PgPool) {
    let world = World::new(pool).await;
    let (date, time) = world.fresh_slot();
    let booking = json!({"doctor_id": world.doctor_id, "date": date.to_string(), "time_slot": time, "reason": "Chest pain on stairs"});
    let booked = world.app.post("/api/appointments", booking, world.token(Who::Owner).as_deref()).await;
    assert_eq!(booked.status(), StatusCode::CREATED);
    let id = body(booked).await["id"].as_i64().unwrap();
    let doctor = world.token(Who::ObjectDoctor);
    assert_eq!(world.app.post(&format!("/api/appointments/{id}/accept"), json!({}), doctor.as_deref()).await.status(), StatusCode::OK);
    sqlx::query("UPDATE appointments SET starts_at = starts_at - interval '60 days', ends_at = ends_at - interval '60 days' WHERE id = $1")
        .bind(id)
        .execute(&world.app.pool)
        .await
        .unwrap();
    let notes = json!({"notes": "ECG normal; stress test booked."});
    assert_eq!(world.app.post(&format!("/api/appointments/{id}/complete"), notes, doctor.as_deref()).await.status(), StatusCode::OK);

    for who in [Who::Owner, Who::ObjectDoctor, Who::Nurse, Who::Staff, Who::Manager, Who::Admin] {
        let token = world.token(who);
        let one = body(world.app.get(&format!("/api/appointments/{id}"), token.as_deref()).await).await;
        let listed = body(world.app.get("/api/appointments?status=completed", token.as_deref()).await).await;
        let in_list =
            listed.as_array().unwrap().iter().find(|a| a["id"] == id).cloned().unwrap_or_else(|| panic!("{who:?} lists the visit"));
        let reads_clinical = matches!(who, Who::Owner | Who::ObjectDoctor | Who::Nurse | Who::Admin);
        for answer in [&one, &in_list] {
            assert!(answer["patient_name"].is_string(), "{who:?} sees who");
            assert_eq!(answer["status"], "completed", "{who:?} sees the status");
            if reads_clinical {
                assert_eq!(
                    (answer["reason"].as_str(), answer["visit_notes"].as_str()),
                    (Some("Chest pain on stairs"), Some("ECG normal; stress test booked.")),
                    "{who:?}"
                );
            } else {
                let fields = answer.as_object().unwrap();
                assert!(!fields.contains_key("reason") && !fields.contains_key("visit_notes"), "{who:?} got clinical fields: {answer}");
            }
        }
    }
}
