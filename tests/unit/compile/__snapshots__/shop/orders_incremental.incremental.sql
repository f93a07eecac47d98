with "__strata_cte__stg_orders" as (


select
    id as order_id,
    customer_id,
    order_date::date as order_date,
    status,
    round(amount_cents / 100.0, 2) as amount
from "raw"."raw_orders"
where status in ('placed', 'shipped', 'completed', 'returned')

)


select order_id, customer_id, order_date, status, amount
from "__strata_cte__stg_orders"

where order_date > (select coalesce(max(order_date), '1900-01-01') from "marts"."orders_incremental")

