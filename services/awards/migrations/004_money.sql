-- Money (Decree 98/2023 Art. 53; Decree 152/2025 Art. 54-55; base salary Decree 73/2024, Decree 161/2026): a
-- nomination's amount is fixed by the council's decision, on the decision date (the multiple and base salary in
-- force that day, rounded up to 10,000 VND); a revocation records the approved amount to recover.
ALTER TABLE nominations ADD COLUMN decision_date date;
ALTER TABLE nominations ADD COLUMN cash_vnd bigint CHECK (cash_vnd >= 0);
ALTER TABLE nominations ADD COLUMN base_salary_vnd bigint CHECK (base_salary_vnd > 0);
ALTER TABLE nominations ADD COLUMN cash_source text;
ALTER TABLE nominations ADD COLUMN recover_vnd bigint CHECK (recover_vnd >= 0);

-- Decisions taken before this migration: their date is the council vote's (Vietnam date); the amount follows from
-- the rule file's tables on that date when read (cash_vnd stays empty for them).
UPDATE nominations n SET decision_date = d.day
FROM (SELECT nomination_id, (max(at) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS day FROM audit
      WHERE to_status IN ('approved', 'rejected') GROUP BY nomination_id) d
WHERE d.nomination_id = n.id;
