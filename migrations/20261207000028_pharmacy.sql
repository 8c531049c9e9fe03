-- Prescriptions and refills (SPEC feature 6), dispensed from a pharmacy inventory held in lots
-- with expiry dates (SPEC feature 10).
--
-- What must hold under concurrency is decided here, by CHECKs on the rows every writer locks:
--   * a prescription's approved refills never pass the refills written (`refills_used`), and it
--     is never dispensed more often than its first fill and its approved refills (`fills`);
--   * a lot never goes below zero: its quantity is moved only by the ledger's insert trigger,
--     so of twenty dispenses racing for a lot that holds five, five pass and the rest fail the
--     CHECK (`inventory_lots_never_negative`).

-- A prescription written outside a visit (a doctor approving a patient's request for a new
-- medicine) has no encounter.
ALTER TABLE prescriptions
    ALTER COLUMN encounter_id DROP NOT NULL,
    ADD COLUMN refills_used   INT NOT NULL DEFAULT 0,
    ADD COLUMN fills          INT NOT NULL DEFAULT 0,
    ADD COLUMN last_filled_at TIMESTAMPTZ,
    ADD CONSTRAINT prescriptions_refills_within_written CHECK (refills_used BETWEEN 0 AND refills),
    ADD CONSTRAINT prescriptions_fills_within_allowed CHECK (fills BETWEEN 0 AND 1 + refills_used);
-- The pharmacy's queue: prescriptions with a fill waiting.
CREATE INDEX prescriptions_to_dispense_idx ON prescriptions (prescribed_at) WHERE status = 'active' AND fills < 1 + refills_used;

CREATE TYPE refill_request_status AS ENUM ('pending', 'approved', 'denied', 'dispensed');

-- A patient's request: a refill of one of their prescriptions, or (no prescription) a new
-- medicine from one of their doctors.
CREATE TABLE refill_requests (
    id                     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id             BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    prescription_id        BIGINT REFERENCES prescriptions (id) ON DELETE CASCADE,
    -- The doctor asked (`doctors.id`): the prescriber, or the one the patient chose.
    doctor_id              BIGINT REFERENCES doctors (id) ON DELETE SET NULL,
    drug                   TEXT NOT NULL CHECK (length(drug) BETWEEN 1 AND 200),
    note                   TEXT CHECK (length(note) BETWEEN 1 AND 1000),
    status                 refill_request_status NOT NULL DEFAULT 'pending',
    -- A plain user id, as in the chart's tables.
    decided_by             BIGINT,
    decision_note          TEXT CHECK (length(decision_note) BETWEEN 1 AND 1000),
    decided_at             TIMESTAMPTZ,
    -- What approving a request for a new medicine wrote.
    issued_prescription_id BIGINT REFERENCES prescriptions (id) ON DELETE SET NULL,
    dispensed_at           TIMESTAMPTZ,
    created_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((status = 'pending') = (decided_at IS NULL)),
    CHECK ((status = 'dispensed') = (dispensed_at IS NOT NULL)),
    CHECK (status = 'pending' OR decision_note IS NOT NULL)
);
-- One open request per prescription: a second is a 409, also when two are sent at once.
CREATE UNIQUE INDEX refill_requests_one_open ON refill_requests (prescription_id) WHERE status = 'pending';
-- Is the doctor asked (`doctors.id`) away: none (their profile was removed), an inactive
-- account, or a day off today (the clinic's day, as the reports count days)? Then another of
-- the patient's doctors may decide.
CREATE FUNCTION asked_doctor_away(doctor BIGINT) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT doctor IS NULL
        OR NOT EXISTS (SELECT 1 FROM doctors d JOIN users u ON u.id = d.user_id WHERE d.id = doctor AND u.active)
        OR EXISTS (SELECT 1 FROM doctor_days_off o WHERE o.doctor_id = doctor AND o.day = report_day(now()))
$$;
CREATE INDEX refill_requests_queue_idx ON refill_requests (doctor_id, created_at) WHERE status = 'pending';
CREATE INDEX refill_requests_patient_idx ON refill_requests (patient_id, created_at DESC);
CREATE INDEX refill_requests_prescription_idx ON refill_requests (prescription_id, created_at);

CREATE TYPE inventory_item_kind AS ENUM ('medicine', 'supply');
CREATE TYPE stock_movement_kind AS ENUM ('receive', 'dispense', 'adjust', 'waste', 'return');

CREATE TABLE inventory_items (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind          inventory_item_kind NOT NULL,
    -- What one counts in: "tablet", "box", "vial".
    unit          TEXT NOT NULL CHECK (length(unit) BETWEEN 1 AND 30),
    reorder_level INT NOT NULL DEFAULT 0 CHECK (reorder_level BETWEEN 0 AND 1000000),
    -- The price of one unit, in minor units of `currency`.
    price_cents   BIGINT NOT NULL DEFAULT 0 CHECK (price_cents BETWEEN 0 AND 100000000000),
    currency      TEXT NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    active        BOOLEAN NOT NULL DEFAULT true,
    -- Seeded in demo mode, and removed (with its ledger) when the server runs without it.
    demo          BOOLEAN NOT NULL DEFAULT false,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- One active item of a name (a second is a 409).
CREATE UNIQUE INDEX inventory_items_active_name ON inventory_items (lower(name)) WHERE active;
CREATE INDEX inventory_items_name_trgm ON inventory_items USING gin (lower(name) gin_trgm_ops);
CREATE TRIGGER inventory_items_updated_at BEFORE UPDATE ON inventory_items FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE inventory_lots (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id     BIGINT NOT NULL REFERENCES inventory_items (id) ON DELETE CASCADE,
    lot_number  TEXT NOT NULL CHECK (length(lot_number) BETWEEN 1 AND 50),
    expiry_date DATE NOT NULL,
    -- The ledger's sum for the lot, kept by `inventory_movements_apply`.
    quantity    INT NOT NULL DEFAULT 0,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT inventory_lots_never_negative CHECK (quantity >= 0),
    UNIQUE (item_id, lot_number)
);
CREATE INDEX inventory_lots_fefo_idx ON inventory_lots (item_id, expiry_date, id) WHERE quantity > 0;
CREATE INDEX inventory_lots_expiry_idx ON inventory_lots (expiry_date) WHERE quantity > 0;

-- The ledger: stock changes only here, and rows are never changed or removed (a patient's
-- erasure only clears the keys that named them; the demo's items go with their ledger when the
-- server leaves demo mode, under `caduceus.removing_demo`).
CREATE TABLE inventory_movements (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id         BIGINT NOT NULL REFERENCES inventory_items (id) ON DELETE RESTRICT,
    lot_id          BIGINT NOT NULL REFERENCES inventory_lots (id) ON DELETE RESTRICT,
    kind            stock_movement_kind NOT NULL,
    -- Signed: what the lot gained (receive) or lost (dispense, waste, return); either for adjust.
    quantity        INT NOT NULL CHECK (quantity <> 0 AND quantity BETWEEN -1000000 AND 1000000),
    reason          TEXT CHECK (length(reason) BETWEEN 1 AND 500),
    prescription_id BIGINT REFERENCES prescriptions (id) ON DELETE SET NULL,
    patient_id      BIGINT REFERENCES patients (id) ON DELETE SET NULL,
    invoice_id      BIGINT REFERENCES invoices (id) ON DELETE SET NULL,
    -- A plain user id.
    actor_id        BIGINT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT inventory_movements_sign CHECK (CASE kind WHEN 'receive' THEN quantity > 0 WHEN 'adjust' THEN true ELSE quantity < 0 END)
);
CREATE INDEX inventory_movements_item_idx ON inventory_movements (item_id, id DESC);
CREATE INDEX inventory_movements_lot_idx ON inventory_movements (lot_id);
CREATE INDEX inventory_movements_prescription_idx ON inventory_movements (prescription_id) WHERE prescription_id IS NOT NULL;
CREATE INDEX inventory_movements_patient_idx ON inventory_movements (patient_id) WHERE patient_id IS NOT NULL;
CREATE INDEX inventory_movements_invoice_idx ON inventory_movements (invoice_id) WHERE invoice_id IS NOT NULL;

CREATE FUNCTION inventory_movements_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE inventory_lots SET quantity = quantity + NEW.quantity WHERE id = NEW.lot_id AND item_id = NEW.item_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'lot % is not a lot of item %', NEW.lot_id, NEW.item_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER inventory_movements_apply AFTER INSERT ON inventory_movements FOR EACH ROW EXECUTE FUNCTION inventory_movements_apply();

CREATE FUNCTION inventory_movements_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('caduceus.removing_demo', true) = 'on' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'DELETE' OR (NEW.id, NEW.item_id, NEW.lot_id, NEW.kind, NEW.quantity, NEW.reason, NEW.actor_id, NEW.created_at)
                           IS DISTINCT FROM (OLD.id, OLD.item_id, OLD.lot_id, OLD.kind, OLD.quantity, OLD.reason, OLD.actor_id, OLD.created_at)
    THEN
        RAISE EXCEPTION 'the stock ledger is append-only';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER inventory_movements_append_only BEFORE UPDATE OR DELETE ON inventory_movements
    FOR EACH ROW EXECUTE FUNCTION inventory_movements_append_only();

-- Stock alerts already sent as notifications (`low:<item>`, `expiring:<lot>`): each once, and
-- again only after it cleared (restocked, or the lot used up).
CREATE TABLE inventory_alerts_sent (
    key     TEXT PRIMARY KEY,
    sent_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
