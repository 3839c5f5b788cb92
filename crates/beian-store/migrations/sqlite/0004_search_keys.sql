-- 搜索: the operator's search finds a filing by its credit code or by one of its filed
-- domains through an index, instead of reading every stored body. The upsert keeps both
-- (`search.rs` computes the keys); this fills them for what was stored before.

-- The entity's 统一社会信用代码 when its certificate is one, upper-cased; NULL for any
-- other certificate, so that a person's ID number is never a search key.
ALTER TABLE filings ADD COLUMN credit_code TEXT;
UPDATE filings SET credit_code = (
    SELECT upper(trim(json_extract(v.body, '$.entity.certificate_number')))
    FROM filing_versions v
    WHERE v.filing_id = filings.id AND v.version = filings.version
      AND json_extract(v.body, '$.entity.certificate_type') = 'credit_code'
);
CREATE INDEX filings_credit_code ON filings (credit_code) WHERE credit_code IS NOT NULL;

-- Every filed domain of the current sites as a search key: ASCII lower case, no trailing
-- dot, no leading `www.` (search.rs `domain_key`), so example.cn and www.example.cn meet.
CREATE TABLE site_domains (
    filing_id INTEGER NOT NULL REFERENCES filings (id),
    position INTEGER NOT NULL,
    domain TEXT NOT NULL,
    PRIMARY KEY (filing_id, position, domain)
);
CREATE INDEX site_domains_domain ON site_domains (domain, filing_id);
INSERT INTO site_domains (filing_id, position, domain)
SELECT DISTINCT filing_id, position,
       CASE WHEN substr(d, 1, 4) = 'www.' THEN substr(d, 5) ELSE d END
FROM (
    SELECT s.filing_id, s.position, rtrim(lower(trim(j.value)), '.') AS d
    FROM sites s, json_each(s.domains) j
    WHERE j.type = 'text'
)
WHERE d <> '';
