// Queueing a whole verification run at once, compiled once per backend like `ops.rs`
// (this file is `include!`d next to it and shares its imports).
//
// A run over a million filings used to read every filing's row (and so its body) twice
// and insert its jobs one statement each. These read only ids and numbers and insert a
// thousand jobs per statement.

/// Jobs per multi-row insert: six bound values each stays far below SQLite's limit of
/// 32,766 variables and PostgreSQL's 65,535.
const ENQUEUE_CHUNK: usize = 1_000;

/// Ids and 主体备案号 of the filings, optionally of one status, in id order after
/// `after_id`: at most `limit`. With `unrecorded_in`, only those that run has not recorded
/// yet (what queueing a run again must add).
pub(crate) async fn filing_keys(
    pool: &Pool<Db>,
    status: Option<&str>,
    unrecorded_in: Option<i64>,
    after_id: Option<i64>,
    limit: i64,
) -> Result<Vec<(i64, String)>> {
    let mut qb =
        QueryBuilder::<Db>::new("SELECT f.id, f.filing_number FROM filings f WHERE 1 = 1");
    if let Some(s) = status {
        qb.push(" AND f.status = ").push_bind(s.to_owned());
    }
    keys_page(qb, unrecorded_in, after_id, limit, pool).await
}

/// Ids and 主体备案号 of the filings that run `run_id` left with an inconclusive finding,
/// in id order after `after_id`: at most `limit`; with `unrecorded_in`, as above.
pub(crate) async fn inconclusive_filing_keys(
    pool: &Pool<Db>,
    run_id: i64,
    unrecorded_in: Option<i64>,
    after_id: Option<i64>,
    limit: i64,
) -> Result<Vec<(i64, String)>> {
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT f.id, f.filing_number FROM filings f WHERE EXISTS (SELECT 1 FROM findings g \
         WHERE g.filing_id = f.id AND g.status = 'inconclusive' AND g.run_id = ",
    );
    qb.push_bind(run_id).push(")");
    keys_page(qb, unrecorded_in, after_id, limit, pool).await
}

/// The end shared by the key queries: not recorded in a run, after an id, a page.
async fn keys_page(
    mut qb: QueryBuilder<Db>,
    unrecorded_in: Option<i64>,
    after_id: Option<i64>,
    limit: i64,
    pool: &Pool<Db>,
) -> Result<Vec<(i64, String)>> {
    if let Some(run) = unrecorded_in {
        qb.push(
            " AND NOT EXISTS (SELECT 1 FROM run_filings r WHERE r.filing_id = f.id AND r.run_id = ",
        )
        .push_bind(run)
        .push(")");
    }
    if let Some(a) = after_id {
        qb.push(" AND f.id > ").push_bind(a);
    }
    qb.push(" ORDER BY f.id LIMIT ").push_bind(limit.clamp(1, 100_000));
    let rows = qb.build().fetch_all(pool).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("filing_number")?)))
        .collect()
}

/// How many filings run `run_id` left with an inconclusive finding.
pub(crate) async fn inconclusive_filing_count(pool: &Pool<Db>, run_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(DISTINCT filing_id) FROM findings WHERE run_id = $1 AND status = 'inconclusive'",
    )
    .bind(run_id)
    .fetch_one(pool)
    .await?)
}

/// Whether a queue holds a pending (queued or running) job whose dedupe key starts with
/// `prefix` (which must hold no `%` or `_`).
pub(crate) async fn has_pending_with_prefix(
    pool: &Pool<Db>,
    queue: &str,
    prefix: &str,
) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM jobs WHERE queue = $1 AND state IN ('queued', 'running') \
         AND dedupe_key LIKE $2 LIMIT 1",
    )
    .bind(queue)
    .bind(format!("{prefix}%"))
    .fetch_optional(pool)
    .await?;
    Ok(found.is_some())
}

/// Pending (queued or running) jobs of a queue whose dedupe key starts with `prefix` (which
/// must hold no `%` or `_`), soonest due first: at most `limit`.
pub(crate) async fn pending_jobs_with_prefix(
    pool: &Pool<Db>,
    queue: &str,
    prefix: &str,
    limit: i64,
) -> Result<Vec<Job>> {
    let rows = sqlx::query(
        "SELECT * FROM jobs WHERE queue = $1 AND state IN ('queued', 'running') \
         AND dedupe_key LIKE $2 ORDER BY run_at, id LIMIT $3",
    )
    .bind(queue)
    .bind(format!("{prefix}%"))
    .bind(limit.clamp(1, 10_000))
    .fetch_all(pool)
    .await?;
    rows.iter().map(job_from_row).collect()
}

/// The pending (queued or running) job of a queue with this dedupe key, if any (at most
/// one: the key is unique among pending jobs).
pub(crate) async fn pending_job(pool: &Pool<Db>, queue: &str, key: &str) -> Result<Option<Job>> {
    let row = sqlx::query(
        "SELECT * FROM jobs WHERE queue = $1 AND dedupe_key = $2 \
         AND state IN ('queued', 'running') LIMIT 1",
    )
    .bind(queue)
    .bind(key)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(job_from_row).transpose()
}

/// Inserts jobs in one transaction; a job whose dedupe key is pending is skipped, as
/// [`enqueue`] does. Returns how many were inserted.
pub(crate) async fn enqueue_many(
    pool: &Pool<Db>,
    jobs: &[NewJob],
    now: DateTime<Utc>,
) -> Result<u64> {
    if let Some(bad) = jobs.iter().find(|j| j.max_attempts < 1) {
        return Err(StoreError::Invalid {
            field: "job.max_attempts",
            value: bad.max_attempts.to_string(),
            reason: "must be at least 1",
        });
    }
    let mut tx = begin(pool).await?;
    let mut inserted = 0;
    for chunk in jobs.chunks(ENQUEUE_CHUNK) {
        let mut qb = QueryBuilder::<Db>::new(
            "INSERT INTO jobs (queue, payload, max_attempts, run_at, dedupe_key, created_at) ",
        );
        qb.push_values(chunk, |mut b, j| {
            b.push_bind(j.queue.clone())
                .push_bind(Json(j.payload.clone()))
                .push_bind(j.max_attempts)
                .push_bind(ms(j.run_at))
                .push_bind(j.dedupe_key.clone())
                .push_bind(ms(now));
        });
        qb.push(" ON CONFLICT DO NOTHING");
        inserted += qb.build().execute(&mut *tx).await?.rows_affected();
    }
    tx.commit().await?;
    Ok(inserted)
}
