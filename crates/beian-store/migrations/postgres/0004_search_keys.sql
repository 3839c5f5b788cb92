-- 搜索: the operator's search finds a filing by its credit code or by one of its filed
-- domains through an index, instead of reading every stored body. The upsert keeps both
-- (`search.rs` computes the keys); this fills them for what was stored before.

-- The entity's 统一社会信用代码 when its certificate is one, upper-cased; NULL for any
-- other certificate, so that a person's ID number is never a search key.
ALTER TABLE filings ADD COLUMN credit_code TEXT;
UPDATE filings f SET credit_code = upper(btrim(v.body -> 'entity' ->> 'certificate_number', ' '))
FROM filing_versions v
WHERE v.filing_id = f.id AND v.version = f.version
  AND v.body -> 'entity' ->> 'certificate_type' = 'credit_code';
CREATE INDEX filings_credit_code ON filings (credit_code) WHERE credit_code IS NOT NULL;

-- Every filed domain of the current sites as a search key: ASCII lower case, no trailing
-- dot, no leading `www.` (search.rs `domain_key`), so example.cn and www.example.cn meet.
-- translate() rather than lower(): only ASCII letters fold, as in Rust and SQLite.
CREATE TABLE site_domains (
    filing_id BIGINT NOT NULL REFERENCES filings (id),
    position BIGINT NOT NULL,
    domain TEXT NOT NULL,
    PRIMARY KEY (filing_id, position, domain)
);
CREATE INDEX site_domains_domain ON site_domains (domain, filing_id);
INSERT INTO site_domains (filing_id, position, domain)
SELECT DISTINCT filing_id, position,
       CASE WHEN substr(d, 1, 4) = 'www.' THEN substr(d, 5) ELSE d END
FROM (
    SELECT s.filing_id, s.position,
           rtrim(translate(btrim(j.value, ' '), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
                           'abcdefghijklmnopqrstuvwxyz'), '.') AS d
    FROM sites s, jsonb_array_elements(s.domains) e, LATERAL (SELECT e #>> '{}' AS value) j
    WHERE jsonb_typeof(e) = 'string'
) keys
WHERE d <> '';
