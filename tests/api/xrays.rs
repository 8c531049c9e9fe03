//! X-rays: real DICOM files (pydicom's test files, fetched from PyPI by `scripts/setup.sh
//! --test`) decoded in Rust, pictures stripped of metadata, hostile files refused, the files
//! served only to those who may read the chart, the reading worklist, versioned results and
//! their race.

use crate::helpers::{assert_error, body, TestApp};
use crate::records::{audit_count, Clinic};
use caduceus::server::config::Config;
use reqwest::multipart::{Form, Part};
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;

/// A DICOM file from pydicom's test files.
pub(crate) fn dicom(name: &str) -> Vec<u8> {
    let tools =
        std::env::var("CADUCEUS_TOOLS").unwrap_or_else(|_| format!("{}/.cache/caduceus/tools", std::env::var("HOME").unwrap_or_default()));
    let path = std::path::Path::new(&tools).join("dicom").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e} (run scripts/setup.sh --test, which fetches them)", path.display()))
}

pub(crate) fn form(name: &str, kind: &str, file_name: &str, bytes: Vec<u8>) -> Form {
    Form::new()
        .text("name", name.to_owned())
        .text("type", kind.to_owned())
        .text("description", "Taken at St. Elsewhere".to_owned())
        .part("file", Part::bytes(bytes).file_name(file_name.to_owned()).mime_str("application/octet-stream").unwrap())
}

pub(crate) async fn upload(app: &TestApp, token: &str, form: Form) -> Response {
    app.client.post(app.url("/api/xrays")).bearer_auth(token).multipart(form).send().await.unwrap()
}

async fn uploaded(app: &TestApp, token: &str, form: Form) -> Value {
    let response = upload(app, token, form).await;
    let status = response.status();
    let value = body(response).await;
    assert_eq!(status, StatusCode::CREATED, "{value}");
    value
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[sqlx::test(migrations = "./migrations")]
async fn a_patient_files_a_ct_and_their_doctor_windows_it_and_writes_the_result(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    clinic.accept_the_visit().await;
    let app = &clinic.app;
    let sent = dicom("CT_small.dcm");
    let xray = uploaded(app, &clinic.patient, form("Head CT", "skull", "CT_small.dcm", sent.clone())).await;
    let id = xray["id"].as_i64().unwrap();
    assert_eq!(xray["format"], "dicom");
    assert_eq!(xray["type"], "skull");
    assert_eq!(xray["patient_id"], clinic.patient_id);
    assert_eq!((xray["width"].as_i64(), xray["height"].as_i64()), (Some(128), Some(128)));
    let info = &xray["dicom"];
    assert_eq!(info["modality"], "CT");
    assert_eq!(info["study_date"], "2004-01-19");
    assert!((info["row_spacing_mm"].as_f64().unwrap() - 0.661468).abs() < 1e-6, "{info}");
    assert_eq!(info["has_pixels"], true);
    assert_eq!(info["value_scale"], 1.0, "the file's slope: no value is lost");
    assert!(info["transfer_syntax"].as_str().unwrap().contains("Explicit VR Little Endian"), "{info}");
    assert!(info["patient_name_in_file"].is_null(), "the name inside the file is for clinicians only: {info}");
    assert!(xray["result"].is_null());

    // The doctor finds it on the worklist (the other doctor doesn't), opens it and sees the
    // name written in the file.
    let worklist = body(app.get("/api/xrays/worklist", Some(&clinic.doctor)).await).await;
    assert_eq!(worklist.as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).collect::<Vec<_>>(), vec![id]);
    assert_eq!(body(app.get("/api/xrays/worklist", Some(&clinic.other_doctor)).await).await, json!([]));
    let detail = body(app.get(&format!("/api/xrays/{id}"), Some(&clinic.doctor)).await).await;
    assert_eq!(detail["xray"]["dicom"]["patient_name_in_file"], "CompressedSamples CT1");
    assert_eq!(detail["can_write_result"], true);
    assert_eq!(detail["can_download_original"], true);

    // The 16-bit samples, for the viewer: 128×128 of them, Hounsfield units once mapped.
    let pixels = app.get(&format!("/api/xrays/{id}/pixels"), Some(&clinic.doctor)).await;
    assert_eq!(pixels.status(), StatusCode::OK);
    assert_eq!(pixels.headers()["content-type"], "application/octet-stream");
    assert_eq!(pixels.headers()["cache-control"], "no-store");
    assert_eq!(pixels.headers()["x-content-type-options"], "nosniff");
    let samples: Vec<u16> = pixels.bytes().await.unwrap().chunks_exact(2).map(|b| u16::from_le_bytes([b[0], b[1]])).collect();
    assert_eq!(samples.len(), 128 * 128);
    let offset = info["value_offset"].as_f64().unwrap();
    let (low, high) = samples.iter().fold((u16::MAX, 0), |(lo, hi), &s| (lo.min(s), hi.max(s)));
    let (low, high) = (offset + f64::from(low), offset + f64::from(high));
    assert!(low >= -1024.0 && high > 0.0 && high < 4000.0, "CT values in HU: {low}..{high}");
    // The preview is a PNG of the same size; the original comes back byte for byte, to
    // clinicians only.
    let image = app.get(&format!("/api/xrays/{id}/image"), Some(&clinic.patient)).await;
    assert_eq!(image.headers()["content-type"], "image/png");
    let preview = image::load_from_memory(&image.bytes().await.unwrap()).unwrap();
    assert_eq!((preview.width(), preview.height()), (128, 128));
    let original = app.get(&format!("/api/xrays/{id}/original"), Some(&clinic.nurse)).await;
    assert_eq!(original.headers()["content-type"], "application/dicom");
    assert!(original.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"CT_small.dcm\""));
    assert_eq!(original.bytes().await.unwrap().to_vec(), sent);
    assert_error(app.get(&format!("/api/xrays/{id}/original"), Some(&clinic.patient)).await, StatusCode::FORBIDDEN, "forbidden").await;

    // Nobody else reads it.
    for token in [&clinic.other_doctor, &clinic.staff, &clinic.manager] {
        assert_eq!(app.get(&format!("/api/xrays/{id}"), Some(token)).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(app.get(&format!("/api/xrays/{id}/pixels"), Some(token)).await.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(app.get(&format!("/api/xrays/{id}/image"), None).await.status(), StatusCode::UNAUTHORIZED);

    // The result: the patient is told, the worklist empties, the patient reads it.
    let written =
        app.put(&format!("/api/xrays/{id}"), json!({"result": "No acute findings.", "expected_version": 0}), &clinic.doctor).await;
    assert_eq!(written.status(), StatusCode::OK);
    assert_eq!(body(written).await["xray"]["result"]["version"], 1);
    assert_eq!(body(app.get("/api/xrays/worklist", Some(&clinic.doctor)).await).await, json!([]));
    let notices: i64 = sqlx::query_scalar("SELECT count(*) FROM notifications WHERE title = 'Your x-ray result is ready'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(notices, 1);
    let mine = body(app.get(&clinic.path("xrays"), Some(&clinic.patient)).await).await;
    assert_eq!(mine[0]["result"]["body"], "No acute findings.");

    // A change is a new version; the first text stays readable.
    let changed =
        app.put(&format!("/api/xrays/{id}"), json!({"result": "Small old infarct, left.", "expected_version": 1}), &clinic.doctor).await;
    assert_eq!(changed.status(), StatusCode::OK);
    let detail = body(app.get(&format!("/api/xrays/{id}"), Some(&clinic.patient)).await).await;
    let versions: Vec<&str> = detail["results"].as_array().unwrap().iter().map(|r| r["body"].as_str().unwrap()).collect();
    assert_eq!(versions, vec!["Small old infarct, left.", "No acute findings."]);
    assert_eq!(detail["can_write_result"], false);
    // Writing over a version one didn't see is refused.
    let stale = app.put(&format!("/api/xrays/{id}"), json!({"result": "Normal.", "expected_version": 1}), &clinic.doctor).await;
    assert_error(stale, StatusCode::CONFLICT, "conflict").await;

    // All of it audited, and the patient sees who looked.
    assert_eq!(audit_count(app, "xray.upload", clinic.patient_id).await, 1);
    assert_eq!(audit_count(app, "xray.result", clinic.patient_id).await, 2);
    assert!(audit_count(app, "xray.pixels", clinic.patient_id).await >= 1);
    assert_eq!(audit_count(app, "xray.original", clinic.patient_id).await, 1);
    assert_eq!(audit_count(app, "xrays.worklist", clinic.patient_id).await, 1);
    let log = body(app.get("/api/profile/access-log", Some(&clinic.patient)).await).await;
    assert!(log.as_array().unwrap().iter().any(|e| e["action"] == "xray.view" && e["actor_name"] == "Dr. Hale"), "{log}");
    assert!(log.as_array().unwrap().iter().any(|e| e["action"] == "xray.original" && e["actor_name"] == "The nurse"), "{log}");
}

#[sqlx::test(migrations = "./migrations")]
async fn transfer_syntaxes_decoded_in_rust_and_the_unsupported_one_named(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    clinic.accept_the_visit().await;
    let app = &clinic.app;
    // RLE, monochrome, with the file's own window.
    let rle = uploaded(
        app,
        &clinic.doctor,
        form("MR", "skull", "mr.dcm", dicom("MR_small_RLE.dcm")).text("patient_id", clinic.patient_id.to_string()),
    )
    .await;
    assert_eq!((rle["width"].as_i64(), rle["height"].as_i64()), (Some(64), Some(64)));
    assert_eq!(rle["dicom"]["modality"], "MR");
    assert_eq!((rle["dicom"]["window_center"].as_f64(), rle["dicom"]["window_width"].as_f64()), (Some(600.0), Some(1600.0)));
    assert!(rle["dicom"]["transfer_syntax"].as_str().unwrap().contains("RLE"));
    // JPEG baseline, colour (YBR_FULL): no full-depth samples, a colour preview.
    let colour = uploaded(
        app,
        &clinic.nurse,
        form("Photo", "other", "rgb.dcm", dicom("SC_rgb_jpeg_dcmtk.dcm")).text("patient_id", clinic.patient_id.to_string()),
    )
    .await;
    assert_eq!(colour["dicom"]["has_pixels"], false);
    let id = colour["id"].as_i64().unwrap();
    let preview =
        image::load_from_memory(&app.get(&format!("/api/xrays/{id}/image"), Some(&clinic.nurse)).await.bytes().await.unwrap()).unwrap();
    assert_eq!((preview.width(), preview.height()), (100, 100));
    assert!(preview.as_rgb8().is_some(), "a colour picture");
    assert_eq!(app.get(&format!("/api/xrays/{id}/pixels"), Some(&clinic.nurse)).await.status(), StatusCode::NOT_FOUND);
    // Without the 128-byte preamble: the same file is read.
    let bare = dicom("CT_small.dcm")[128..].to_vec();
    assert!(bare.starts_with(b"DICM"));
    uploaded(app, &clinic.patient, form("CT", "skull", "ct.dcm", bare)).await;
    // JPEG 2000 can't be decoded here: a 422 that names it, nothing kept.
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM xrays").fetch_one(&app.pool).await.unwrap();
    let refused = upload(app, &clinic.patient, form("NM", "other", "j2k.dcm", dicom("JPEG2000.dcm"))).await;
    let message = assert_error(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(message.contains("JPEG 2000") && message.contains("1.2.840.10008.1.2.4.91"), "{message}");
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM xrays").fetch_one(&app.pool).await.unwrap();
    assert_eq!(before, after);
}

/// CT_small with its Rows element (US, explicit VR little endian) set to `rows`.
fn ct_claiming_rows(rows: u16) -> Vec<u8> {
    let mut bytes = dicom("CT_small.dcm");
    let tag = [0x28, 0x00, 0x10, 0x00, b'U', b'S', 0x02, 0x00];
    let at = bytes.windows(tag.len()).position(|w| w == tag).expect("CT_small has a Rows element") + tag.len();
    bytes[at..at + 2].copy_from_slice(&rows.to_le_bytes());
    bytes
}

#[sqlx::test(migrations = "./migrations")]
async fn hostile_and_broken_files_are_refused_and_pictures_lose_their_metadata(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    let mut truncated = dicom("CT_small.dcm");
    truncated.truncate(truncated.len() / 2);
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#.to_vec();
    let html = b"<!doctype html><script>fetch('/api/profile')</script>".to_vec();
    let cases: [(&str, Vec<u8>, u16, &str); 6] = [
        ("scan.dcm", html, 415, "PNG, JPEG or DICOM"),
        ("chest.svg", svg, 415, "PNG, JPEG or DICOM"),
        ("report.pdf", crate::documents::pdf(), 415, "PNG, JPEG or DICOM"),
        ("cut.dcm", truncated, 422, "damaged or incomplete"),
        ("bomb.dcm", ct_claiming_rows(60_000), 422, "too large"),
        ("huge.png", crate::documents::png_claiming_a_huge_size(), 422, "too large"),
    ];
    for (name, bytes, status, message) in cases {
        let refused = upload(app, &clinic.patient, form("Scan", "chest", name, bytes)).await;
        assert_eq!(refused.status().as_u16(), status, "{name}");
        let error = body(refused).await;
        assert!(error["error"]["message"].as_str().unwrap().contains(message), "{name}: {error}");
    }
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM xrays").fetch_one(&app.pool).await.unwrap();
    assert_eq!(kept, 0, "nothing refused is kept");

    // A phone photo of a film: its GPS position is gone after upload.
    let photo = crate::documents::png_with_gps();
    assert!(contains(&photo, crate::documents::GPS_MARKER));
    let xray = uploaded(app, &clinic.patient, form("Chest film", "chest", "../../film.png", photo)).await;
    assert_eq!(xray["format"], "png");
    assert_eq!(xray["file_name"], "film.png");
    let id = xray["id"].as_i64().unwrap();
    let kept = app.get(&format!("/api/xrays/{id}/image"), Some(&clinic.patient)).await.bytes().await.unwrap();
    assert!(!contains(&kept, crate::documents::GPS_MARKER) && !contains(&kept, b"eXIf"));

    // Missing or wrong fields are 422s; another patient's record a 404; no form a 400.
    let no_name = upload(app, &clinic.patient, form(" ", "chest", "a.png", crate::documents::png())).await;
    assert_error(no_name, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let bad_type = upload(app, &clinic.patient, form("A", "knee", "a.png", crate::documents::png())).await;
    assert_error(bad_type, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let elsewhere = upload(app, &clinic.patient, form("A", "chest", "a.png", crate::documents::png()).text("patient_id", "999999")).await;
    assert_error(elsewhere, StatusCode::NOT_FOUND, "not_found").await;
    let no_patient = upload(app, &clinic.nurse, form("A", "chest", "a.png", crate::documents::png())).await;
    assert_error(no_patient, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let json = app.post("/api/xrays", json!({"name": "A"}), Some(&clinic.patient)).await;
    assert_error(json, StatusCode::BAD_REQUEST, "bad_request").await;
    for bad in [json!({"result": "  "}), json!({"result": "x", "expected_version": -1}), json!({"result": "x", "extra": 1}), json!({})] {
        let response = app.put(&format!("/api/xrays/{id}"), bad.clone(), &clinic.doctor).await;
        assert!(response.status().is_client_error(), "{bad}: {}", response.status());
    }
}

#[sqlx::test(migrations = "./migrations")]
async fn x_rays_have_an_upload_limit_of_their_own(pool: PgPool) {
    let config = Config { max_xray_mb: 1, ..Config::for_tests() };
    let app = TestApp::spawn_with(pool, config).await;
    let (_, patient) = app.patient("ann@example.org").await;
    let mut big = dicom("CT_small.dcm");
    big.resize(1024 * 1024 + 10, 0);
    let refused = upload(&app, &patient, form("Big", "chest", "big.dcm", big)).await;
    assert_error(refused, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
}

#[sqlx::test(migrations = "./migrations")]
async fn two_doctors_writing_a_result_at_once_keep_both_or_refuse_one(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    clinic.accept_the_visit().await;
    let app = &clinic.app;
    // The other doctor reads it in an emergency (break-glass), so both may write.
    let glass =
        app.post(&clinic.path("break-glass"), json!({"reason": "On call, reading the night's images"}), Some(&clinic.other_doctor)).await;
    assert_eq!(glass.status(), StatusCode::CREATED, "{}", body(glass).await);
    for round in 0..6 {
        let xray = uploaded(app, &clinic.patient, form(&format!("Chest {round}"), "chest", "c.png", crate::documents::png())).await;
        let id = xray["id"].as_i64().unwrap();
        let path = format!("/api/xrays/{id}");
        let (a, b) = tokio::join!(
            app.put(&path, json!({"result": "Clear lungs.", "expected_version": 0}), &clinic.doctor),
            app.put(&path, json!({"result": "Left basal shadow.", "expected_version": 0}), &clinic.other_doctor),
        );
        let mut statuses = [a.status().as_u16(), b.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "round {round}: one result written, the other told");
        let results: i64 =
            sqlx::query_scalar("SELECT count(*) FROM xray_results WHERE xray_id = $1").bind(id).fetch_one(&app.pool).await.unwrap();
        assert_eq!(results, 1, "round {round}");
        // Without expected_version both land, as two versions: nothing is lost.
        let (a, b) = tokio::join!(
            app.put(&path, json!({"result": "Addendum A."}), &clinic.doctor),
            app.put(&path, json!({"result": "Addendum B."}), &clinic.other_doctor),
        );
        assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK), "round {round}");
        let versions: Vec<i32> = sqlx::query_scalar("SELECT version FROM xray_results WHERE xray_id = $1 ORDER BY version")
            .bind(id)
            .fetch_all(&app.pool)
            .await
            .unwrap();
        assert_eq!(versions, vec![1, 2, 3], "round {round}");
    }
    // Nurses, the desk and patients don't write results.
    let id: i64 = sqlx::query_scalar("SELECT max(id) FROM xrays").fetch_one(&app.pool).await.unwrap();
    for token in [&clinic.nurse, &clinic.patient] {
        assert_eq!(app.put(&format!("/api/xrays/{id}"), json!({"result": "x"}), token).await.status(), StatusCode::FORBIDDEN);
    }
}

#[sqlx::test(migrations = "./migrations")]
async fn erasing_a_patient_removes_their_x_ray_files(pool: PgPool) {
    let clinic = Clinic::new(pool).await;
    let app = &clinic.app;
    uploaded(
        app,
        &clinic.staff,
        form("CT from a CD", "skull", "ct.dcm", dicom("CT_small.dcm")).text("patient_id", clinic.patient_id.to_string()),
    )
    .await;
    let keys: Vec<Option<String>> =
        sqlx::query_scalar("SELECT unnest(ARRAY[image_key, pixels_key, original_key]) FROM xrays").fetch_all(&app.pool).await.unwrap();
    let files: Vec<_> =
        keys.into_iter().map(|key| Config::for_tests().upload_dir().join(key.expect("a DICOM keeps three files"))).collect();
    assert!(files.iter().all(|f| f.exists()));
    // The desk filed it and can't read it.
    assert_eq!(app.get(&clinic.path("xrays"), Some(&clinic.staff)).await.status(), StatusCode::FORBIDDEN);
    let erased = app.delete(&format!("/api/patients/{}", clinic.patient_id), json!({"reason": "asked in writing"}), &clinic.admin).await;
    assert_eq!(erased.status(), StatusCode::NO_CONTENT);
    assert!(files.iter().all(|f| !f.exists()), "the files went with the patient");
}
