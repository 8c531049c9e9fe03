-- X-rays (SPEC feature 8): images on a patient's chart, read by their doctors in the browser.
-- Files live in the upload directory beside the chart's documents, under random names:
--   image_key    the picture every viewer can show (PNG or JPEG, metadata stripped; for a
--                DICOM, rendered with the file's own window);
--   pixels_key   a monochrome DICOM's samples at full depth (16-bit little-endian, row by row),
--                which the browser's viewer windows itself: real value = value_offset +
--                sample * value_scale (after the file's rescale slope and intercept);
--   original_key the DICOM as sent, for clinicians to download.
-- The uploader is a plain user id, as in the chart's tables: a colleague's account closing
-- doesn't take the patient's images with it.
CREATE TABLE xrays (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id           BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    uploaded_by          BIGINT,
    name                 TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind                 TEXT NOT NULL CHECK (kind IN ('chest', 'limb', 'spine', 'skull', 'dental', 'abdomen', 'other')),
    description          TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    format               TEXT NOT NULL CHECK (format IN ('png', 'jpeg', 'dicom')),
    file_name            TEXT NOT NULL CHECK (length(file_name) BETWEEN 1 AND 120),
    width                INT NOT NULL CHECK (width > 0),
    height               INT NOT NULL CHECK (height > 0),
    image_key            TEXT NOT NULL UNIQUE CHECK (image_key ~ '^[0-9a-f]{32}$'),
    image_type           TEXT NOT NULL CHECK (image_type IN ('image/png', 'image/jpeg')),
    pixels_key           TEXT UNIQUE CHECK (pixels_key ~ '^[0-9a-f]{32}$'),
    original_key         TEXT UNIQUE CHECK (original_key ~ '^[0-9a-f]{32}$'),
    size_bytes           BIGINT NOT NULL CHECK (size_bytes > 0),
    -- What the DICOM file says (NULL for pictures).
    modality             TEXT,
    body_part            TEXT,
    study_date           DATE,
    row_spacing_mm       DOUBLE PRECISION CHECK (row_spacing_mm > 0),
    column_spacing_mm    DOUBLE PRECISION CHECK (column_spacing_mm > 0),
    value_offset         DOUBLE PRECISION,
    value_scale          DOUBLE PRECISION CHECK (value_scale > 0),
    window_center        DOUBLE PRECISION,
    window_width         DOUBLE PRECISION CHECK (window_width > 0),
    -- MONOCHROME1: low values are white.
    inverted             BOOLEAN NOT NULL DEFAULT false,
    frames               INT NOT NULL DEFAULT 1 CHECK (frames >= 1),
    transfer_syntax      TEXT,
    -- The name written in the file, shown only to the patient's clinicians (it may be wrong,
    -- or someone else's: a mix-up a radiologist must be able to see).
    patient_name_in_file TEXT,
    -- How many results were written (0: on the reading worklist). Each result is a new row of
    -- xray_results; this counter, taken under the row's lock, numbers them.
    result_version       INT NOT NULL DEFAULT 0 CHECK (result_version >= 0),
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((format = 'dicom') = (original_key IS NOT NULL)),
    CHECK (pixels_key IS NULL OR (format = 'dicom' AND value_offset IS NOT NULL AND value_scale IS NOT NULL
                                  AND window_center IS NOT NULL AND window_width IS NOT NULL))
);
CREATE INDEX xrays_patient_idx ON xrays (patient_id, created_at DESC, id DESC);
-- The reading worklist: unread images, oldest first.
CREATE INDEX xrays_unread_idx ON xrays (created_at, id) WHERE result_version = 0;

-- Results are never rewritten: a change is a new version, the earlier text stays readable.
CREATE TABLE xray_results (
    xray_id    BIGINT NOT NULL REFERENCES xrays (id) ON DELETE CASCADE,
    version    INT NOT NULL CHECK (version >= 1),
    body       TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    written_by BIGINT,
    written_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (xray_id, version)
);
