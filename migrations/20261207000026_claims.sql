-- Insurance (SPEC feature 9): the patients' policies, and claims on invoices that move
-- submitted → in_review → approved | partially_approved | denied → paid, each change kept in
-- claim_events with who and when. An insurer's payment is an ordinary payment (method
-- insurance) on the invoice, made in the transaction that marks the claim paid.
CREATE TABLE insurance_policies (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id  BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    payer       TEXT NOT NULL CHECK (length(payer) BETWEEN 1 AND 200),
    member_id   TEXT NOT NULL CHECK (length(member_id) BETWEEN 1 AND 100),
    plan        TEXT CHECK (length(plan) BETWEEN 1 AND 200),
    valid_from  DATE,
    valid_to    DATE,
    created_by  BIGINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from),
    CONSTRAINT insurance_policies_once UNIQUE (patient_id, payer, member_id),
    UNIQUE (id, patient_id)
);

CREATE TYPE claim_status AS ENUM ('submitted', 'in_review', 'approved', 'partially_approved', 'denied', 'paid');

CREATE TABLE claims (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id      BIGINT NOT NULL,
    patient_id      BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    policy_id       BIGINT NOT NULL,
    amount_cents    BIGINT NOT NULL CHECK (amount_cents > 0),
    status          claim_status NOT NULL DEFAULT 'submitted',
    approved_cents  BIGINT CHECK (approved_cents BETWEEN 0 AND amount_cents),
    reason          TEXT CHECK (length(reason) BETWEEN 1 AND 500),
    -- The insurer's payment on the invoice, once paid.
    payment_id      BIGINT REFERENCES payments (id) ON DELETE SET NULL,
    created_by      BIGINT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (invoice_id, patient_id) REFERENCES invoices (id, patient_id) ON DELETE CASCADE,
    FOREIGN KEY (policy_id, patient_id) REFERENCES insurance_policies (id, patient_id) ON DELETE CASCADE,
    CHECK (status NOT IN ('approved', 'partially_approved', 'paid') OR approved_cents > 0),
    CHECK (status <> 'denied' OR reason IS NOT NULL)
);
-- One claim in progress per invoice: two clerks submitting at once get one claim and a 409.
CREATE UNIQUE INDEX claims_one_open_per_invoice ON claims (invoice_id)
    WHERE status IN ('submitted', 'in_review', 'approved', 'partially_approved');
CREATE INDEX claims_patient_idx ON claims (patient_id, created_at DESC);
CREATE INDEX claims_created_idx ON claims (created_at DESC, id DESC);
CREATE TRIGGER claims_updated_at BEFORE UPDATE ON claims FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE claim_events (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    claim_id        BIGINT NOT NULL REFERENCES claims (id) ON DELETE CASCADE,
    patient_id      BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    status          claim_status NOT NULL,
    approved_cents  BIGINT,
    reason          TEXT,
    changed_by      BIGINT NOT NULL,
    changed_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX claim_events_claim_idx ON claim_events (claim_id, id);
