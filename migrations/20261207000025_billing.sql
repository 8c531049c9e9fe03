-- Billing (SPEC feature 9): invoices with their lines, payments and refunds, credit notes.
-- Amounts are integers of minor units of the invoice's currency.
--
-- What must hold under concurrency is a CHECK on the invoice row: every payment, refund and
-- credit note adds to the invoice's running totals in the transaction that records it, and the
-- row's lock serializes them, so concurrent payments can never together pass the total (of ten
-- payments of 60 % of the balance at once, exactly one succeeds; the others fail the CHECK).
CREATE TYPE invoice_state AS ENUM ('draft', 'issued', 'void');
CREATE TYPE payment_method AS ENUM ('cash', 'card', 'bank_transfer', 'insurance');
CREATE TYPE payment_kind AS ENUM ('payment', 'refund');

CREATE TABLE invoices (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id      BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    -- The visit it bills: one invoice per visit, so a visit can't be billed twice.
    appointment_id  BIGINT UNIQUE REFERENCES appointments (id) ON DELETE SET NULL,
    -- Whose service it is (revenue by doctor and specialization); none for other services.
    doctor_id       BIGINT REFERENCES doctors (id) ON DELETE SET NULL,
    state           invoice_state NOT NULL DEFAULT 'draft',
    currency        TEXT NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    total_cents     BIGINT NOT NULL DEFAULT 0 CHECK (total_cents >= 0),
    paid_cents      BIGINT NOT NULL DEFAULT 0 CHECK (paid_cents >= 0),
    refunded_cents  BIGINT NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0),
    credited_cents  BIGINT NOT NULL DEFAULT 0 CHECK (credited_cents >= 0),
    -- What the patient still owes.
    balance_cents   BIGINT GENERATED ALWAYS AS (total_cents - credited_cents - paid_cents + refunded_cents) STORED,
    -- A plain user id, as in the chart's tables (NULL: the system, when a visit completes).
    created_by      BIGINT,
    issued_at       TIMESTAMPTZ,
    void_reason     TEXT CHECK (length(void_reason) BETWEEN 1 AND 500),
    voided_at       TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Never more paid (net of refunds) and credited than billed, and never more refunded
    -- than paid: the race the payments test runs is decided here.
    CONSTRAINT invoices_not_overpaid CHECK (paid_cents - refunded_cents + credited_cents <= total_cents),
    CONSTRAINT invoices_refunds_within_payments CHECK (refunded_cents <= paid_cents),
    -- A void invoice keeps no money: what was paid is refunded first.
    CONSTRAINT invoices_void_holds_no_money CHECK (state <> 'void' OR paid_cents = refunded_cents),
    CHECK ((state = 'void') = (voided_at IS NOT NULL AND void_reason IS NOT NULL)),
    CHECK ((state = 'draft') = (issued_at IS NULL)),
    -- Lines, payments and credit notes name the invoice and its patient together.
    UNIQUE (id, patient_id)
);
CREATE INDEX invoices_patient_idx ON invoices (patient_id, created_at DESC);
CREATE INDEX invoices_created_idx ON invoices (created_at DESC, id DESC);
CREATE INDEX invoices_outstanding_idx ON invoices (issued_at) WHERE state = 'issued' AND balance_cents > 0;
CREATE TRIGGER invoices_updated_at BEFORE UPDATE ON invoices FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE invoice_lines (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id       BIGINT NOT NULL,
    -- The invoice's patient (export and erasure find the rows by this key).
    patient_id       BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    position         SMALLINT NOT NULL CHECK (position BETWEEN 1 AND 100),
    description      TEXT NOT NULL CHECK (length(description) BETWEEN 1 AND 200),
    quantity         INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 10000),
    unit_price_cents BIGINT NOT NULL CHECK (unit_price_cents BETWEEN 0 AND 100000000000),
    amount_cents     BIGINT GENERATED ALWAYS AS (quantity * unit_price_cents) STORED,
    FOREIGN KEY (invoice_id, patient_id) REFERENCES invoices (id, patient_id) ON DELETE CASCADE,
    UNIQUE (invoice_id, position)
);

-- Money received (payments) and returned (refunds): each its own row, never negative.
CREATE TABLE payments (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id         BIGINT NOT NULL,
    patient_id         BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    kind               payment_kind NOT NULL,
    method             payment_method NOT NULL,
    amount_cents       BIGINT NOT NULL CHECK (amount_cents > 0),
    currency           TEXT NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- The desk's reference (a card slip, a transfer's reference) or the provider's charge id.
    reference          TEXT CHECK (length(reference) BETWEEN 1 AND 100),
    -- Paid by the patient in the portal, through the payment provider.
    online             BOOLEAN NOT NULL DEFAULT false,
    -- Why money was returned.
    reason             TEXT CHECK (length(reason) BETWEEN 1 AND 500),
    recorded_by        BIGINT,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (invoice_id, patient_id) REFERENCES invoices (id, patient_id) ON DELETE CASCADE,
    CHECK ((kind = 'refund') = (reason IS NOT NULL))
);
CREATE INDEX payments_invoice_idx ON payments (invoice_id, id);
CREATE INDEX payments_created_idx ON payments (created_at);

-- A correction of an issued invoice that lowers what is owed (an issued invoice is never edited).
CREATE TABLE credit_notes (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id   BIGINT NOT NULL,
    patient_id   BIGINT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    reason       TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    created_by   BIGINT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (invoice_id, patient_id) REFERENCES invoices (id, patient_id) ON DELETE CASCADE
);
CREATE INDEX credit_notes_invoice_idx ON credit_notes (invoice_id, id);
