{{ config(
    materialized='incremental',
    unique_key=['agency', 'loan_id'],
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
    post_hook=["delete from {{ this }} as t using strata_meta.load_ledger as l where l.status = 'replaced' and l.file_uri = t._file and l.batch_id = t._batch_id"]
) }}
{#-
  One row per loan of either agency: the origination attributes (Freddie origination rows, Fannie
  legacy acquisition rows, Fannie current 108-field rows), names standardized, and the statistics
  of its partition (agency, source_quarter): credit score imputed with the median, Tukey outlier
  flags on credit score, DTI and balance.

  Incremental design (each part exact, checked against the generator's ground truth by
  tests/e2e/loans.test.ts):
  1. Partitions. A partition is one file (agency, source_quarter). When any origination row of a
     partition carries a load batch not yet in this table (a new file, or a reloaded one), the
     whole partition is recomputed, so its medians and quartiles are those of all its loans. An
     earlier quarter's unchanged file is not touched. A Fannie current file grows every release
     (loans appear as their first month is reported), is reloaded, and so is recomputed.
     The new batches' files are read off the raw tables' `_batch_id` and `_file` (`new_files`), and
     the partitions' files off their `_file` (`partition_files`), so only the selected partitions'
     rows are typed.
  2. Fannie servicers. A Fannie loan's servicer is the last servicer named on its monthly rows,
     and the performance files grow every release while the acquisition files do not. So every
     run also looks at the Fannie loans outside the recomputed partitions whose monthly rows
     written since this model's last build (clean.loan_months._built_at after max(_built_at)
     here) name a servicer, takes each one's last named servicer over all its months, and rewrites
     the loans whose servicer changed (only the servicer columns and _built_at change; the
     partition statistics do not depend on the servicer).
  3. A loan missing from a reloaded file (its old file and batch are 'replaced' in the load
     ledger) is deleted by the post-hook.
  `_built_at` is when the row was last written; `_attributes_built_at` when its origination
  attributes were (its partition computed: a servicer rewrite keeps it), which is what the marts
  incremental on loan months need to know (a loan's state can only change then); `_file` and
  `_batch_id` are those of its origination row.
-#}
{%- set partition = 'agency, source_quarter' %}
{#- the raw origination sources, with their agency #}
{%- set origination_layouts = [['freddie', 'freddie_orig'], ['fannie', 'fannie_acq'], ['fannie', 'fannie_current']] %}
{%- set attributes = loan_attribute_columns() %}
with origination as (
{%- for model in ['stg_freddie_origination', 'stg_fannie_acquisition', 'stg_fannie_current_loans'] %}
    select {{ attributes | join(', ') }}
    from {{ ref(model) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
{%- endfor %}
),
{%- if is_incremental() %}
seen_batches as materialized (
    select distinct _batch_id from {{ this }}
),
-- the files with origination rows of a load batch not yet here (new or reloaded files), read off
-- the raw tables' _batch_id and _file alone: through the staging views every row of every file
-- would be typed and joined to the code maps first (measured at 200,000 loans, 0.48 s of this
-- query's 1.5 s). The same files: every staging view keeps at least one row of each raw file
-- (stg_fannie_current_loans one per loan and file, the others every row), and an origination
-- file has one batch (these sources declare no `key:`, so a reload replaces it whole).
new_files as materialized (
{%- for layout in origination_layouts %}
    select distinct '{{ layout[0] }}'::text as agency, r._file
    from {{ source('raw', layout[1]) }} as r
    where r._batch_id <> all(array(select _batch_id from seen_batches))
    {%- if not loop.last %}
    union all
    {%- endif %}
{%- endfor %}
),
-- partitions with origination rows of a new load batch
partitions as materialized (
    select distinct agency, {{ source_quarter('_file') }} as source_quarter
    from new_files
),
-- the files of those partitions, from the raw tables' _file alone (each distinct name's quarter
-- read once, not once per row)
partition_files as materialized (
{%- for layout in origination_layouts %}
    select f._file
    from (select distinct r._file from {{ source('raw', layout[1]) }} as r) as f
    where ('{{ layout[0] }}', {{ source_quarter('f._file') }}) in (select agency, source_quarter from partitions)
    {%- if not loop.last %}
    union all
    {%- endif %}
{%- endfor %}
),
-- Fannie loans whose monthly rows written since this model's last build name a servicer
servicer_candidates as materialized (
    select distinct loan_id
    from {{ ref('loan_months') }}
    where agency = 'fannie' and servicer_name_raw is not null
      and _built_at > (select max(_built_at) from {{ this }})
),
{%- endif %}
selected as {% if is_incremental() %}materialized {% endif %}(
    select o.*
    from origination as o
    {%- if is_incremental() %}
    -- = any(array(...)), not in (...): a plain condition reaches every branch's raw-table scan
    -- (and its BRIN index on _file), so only the selected files' rows are read and typed
    where o._file = any(array(select _file from partition_files))
    {%- endif %}
),
{%- if is_incremental() %}
-- the Fannie loans whose servicer is needed: those computed now, and the candidates (one list, so
-- the filter below is a semi-join: an IN (subquery) under OR would be a subplan, re-read for
-- every row when the planner expects it not to fit in work_mem)
servicer_loans as materialized (
    select loan_id from selected where agency = 'fannie'
    union
    select loan_id from servicer_candidates
),
{%- endif %}
fannie_servicers as (
    -- the last servicer named on the loan's monthly rows, by period
    select distinct on (loan_id) loan_id, servicer_name_raw
    from {{ ref('loan_months') }}
    where agency = 'fannie' and servicer_name_raw is not null
    {%- if is_incremental() %}
      and loan_id in (select loan_id from servicer_loans)
    {%- endif %}
    order by loan_id, period desc
),
loans as (
    select
        s.agency,
        s.loan_id,
        s.source_quarter,
        s.channel,
        s.seller_name_raw,
        -- Freddie: the origination row's; Fannie: the monthly rows' (NULL before the first named month)
        case when s.agency = 'fannie' then fs.servicer_name_raw else s.servicer_name_raw end as servicer_name_raw,
        s.orig_interest_rate,
        s.orig_upb,
        s.orig_loan_term,
        s.first_payment_date,
        s.orig_ltv,
        s.orig_cltv,
        s.dti,
        s.credit_score,
        s.first_time_homebuyer,
        s.loan_purpose,
        s.property_type,
        s.occupancy,
        s.num_units,
        s.num_borrowers,
        s.property_state,
        s.zip3,
        s.mi_pct,
        s._file,
        s._batch_id
    from selected as s
    left join fannie_servicers as fs on s.agency = 'fannie' and fs.loan_id = s.loan_id
),
-- The partition statistics, one window ordering per step: each step's window aggregate (an array
-- of the partition's sorted values) is consumed in that step, so no step sorts rows that carry
-- another step's arrays. (A query level with window functions is never merged into its parent.)
upb_flagged as (
    select l.*, {{ tukey_outlier_flag('l.orig_upb', partition) }} as orig_upb_is_outlier
    from loans as l
),
dti_flagged as (
    select l.*, {{ tukey_outlier_flag('l.dti', partition) }} as dti_is_outlier
    from upb_flagged as l
),
score_flagged as (
    select
        l.*,
        ({{ median_impute('l.credit_score', partition) }})::integer as credit_score_filled,
        {{ tukey_outlier_flag('l.credit_score', partition) }} as credit_score_is_outlier
    from dti_flagged as l
)
select
    l.agency,
    l.loan_id,
    l.source_quarter,
    l.channel,
    l.seller_name_raw,
    {{ resolved_name('sellers', 'l.seller_name_raw') }} as seller_name,
    l.servicer_name_raw,
    {{ resolved_name('servicers', 'l.servicer_name_raw') }} as servicer_name,
    l.orig_interest_rate,
    l.orig_upb,
    l.orig_loan_term,
    l.first_payment_date,
    extract(year from l.first_payment_date)::integer as vintage_year,
    l.orig_ltv,
    l.orig_cltv,
    l.dti,
    l.credit_score,
    l.credit_score_filled,
    l.credit_score is null as credit_score_is_imputed,
    l.credit_score_is_outlier,
    l.dti_is_outlier,
    l.orig_upb_is_outlier,
    l.first_time_homebuyer,
    l.loan_purpose,
    l.property_type,
    l.occupancy,
    l.num_units,
    l.num_borrowers,
    l.property_state,
    l.zip3,
    l.mi_pct,
    l._file,
    l._batch_id,
    now() as _built_at,
    now() as _attributes_built_at
from score_flagged as l
{{ name_map_join('sellers', 'l.seller_name_raw') }}
{{ name_map_join('servicers', 'l.servicer_name_raw') }}
{%- if is_incremental() %}

union all

-- Fannie loans of unchanged files whose servicer changed in the monthly rows
select
    t.agency,
    t.loan_id,
    t.source_quarter,
    t.channel,
    t.seller_name_raw,
    t.seller_name,
    fs.servicer_name_raw,
    {{ resolved_name('servicers', 'fs.servicer_name_raw') }} as servicer_name,
    t.orig_interest_rate,
    t.orig_upb,
    t.orig_loan_term,
    t.first_payment_date,
    t.vintage_year,
    t.orig_ltv,
    t.orig_cltv,
    t.dti,
    t.credit_score,
    t.credit_score_filled,
    t.credit_score_is_imputed,
    t.credit_score_is_outlier,
    t.dti_is_outlier,
    t.orig_upb_is_outlier,
    t.first_time_homebuyer,
    t.loan_purpose,
    t.property_type,
    t.occupancy,
    t.num_units,
    t.num_borrowers,
    t.property_state,
    t.zip3,
    t.mi_pct,
    t._file,
    t._batch_id,
    now() as _built_at,
    t._attributes_built_at
from {{ this }} as t
left join fannie_servicers as fs on fs.loan_id = t.loan_id
{{ name_map_join('servicers', 'fs.servicer_name_raw') }}
where t.agency = 'fannie'
  and not exists (select from partitions as p where p.agency = t.agency and p.source_quarter = t.source_quarter)
  and t.loan_id in (select loan_id from servicer_candidates)
  and t.servicer_name_raw is distinct from fs.servicer_name_raw
{%- endif %}
