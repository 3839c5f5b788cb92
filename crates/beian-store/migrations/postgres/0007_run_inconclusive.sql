-- 无法判断: how many filings a run left with an inconclusive finding, counted as each is
-- recorded like `failed`, so that the runs page can offer to check them again without
-- counting a million findings on every refresh. Runs recorded before are counted once here.
ALTER TABLE runs ADD COLUMN inconclusive BIGINT NOT NULL DEFAULT 0;
UPDATE runs SET inconclusive = (
    SELECT COUNT(DISTINCT filing_id) FROM findings
    WHERE findings.run_id = runs.id AND findings.status = 'inconclusive'
);
