-- The directory at scale (1M accounts, hundreds of reviews per doctor):
-- 1. each doctor's review count and rating total live on the doctor row, kept by statement
--    triggers on reviews (bulk inserts tally once per statement), so a directory page no
--    longer aggregates every listed doctor's reviews;
-- 2. name search uses a trigram index over doctors' names only, instead of every account's.

ALTER TABLE doctors
    ADD COLUMN review_count INTEGER NOT NULL DEFAULT 0 CHECK (review_count >= 0),
    ADD COLUMN rating_total BIGINT NOT NULL DEFAULT 0 CHECK (rating_total >= 0);

UPDATE doctors d SET review_count = r.reviews, rating_total = r.total
  FROM (SELECT doctor_id, count(*) AS reviews, sum(rating) AS total FROM reviews GROUP BY doctor_id) r
 WHERE r.doctor_id = d.id;

CREATE FUNCTION reviews_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE doctors d SET review_count = d.review_count - r.reviews, rating_total = d.rating_total - r.total
          FROM (SELECT doctor_id, count(*) AS reviews, sum(rating) AS total FROM old_reviews GROUP BY doctor_id) r
         WHERE d.id = r.doctor_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE doctors d SET review_count = d.review_count + r.reviews, rating_total = d.rating_total + r.total
          FROM (SELECT doctor_id, count(*) AS reviews, sum(rating) AS total FROM new_reviews GROUP BY doctor_id) r
         WHERE d.id = r.doctor_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER reviews_tally_insert AFTER INSERT ON reviews
    REFERENCING NEW TABLE AS new_reviews FOR EACH STATEMENT EXECUTE FUNCTION reviews_tally();
CREATE TRIGGER reviews_tally_update AFTER UPDATE ON reviews
    REFERENCING OLD TABLE AS old_reviews NEW TABLE AS new_reviews FOR EACH STATEMENT EXECUTE FUNCTION reviews_tally();
CREATE TRIGGER reviews_tally_delete AFTER DELETE ON reviews
    REFERENCING OLD TABLE AS old_reviews FOR EACH STATEMENT EXECUTE FUNCTION reviews_tally();

CREATE INDEX users_doctor_name_trgm_idx ON users USING gin (name gin_trgm_ops) WHERE role = 'doctor';
