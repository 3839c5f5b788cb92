-- Counting a customer's filings by status reads only this index, not every filing row.
CREATE INDEX filings_customer_status ON filings (customer_id, status);
