

with "__strata_cte__stg_orders" as (


select
    id as order_id,
    customer_id,
    order_date::date as order_date,
    status,
    round(amount_cents / 100.0, 2) as amount
from "raw"."raw_orders"
where status in ('placed', 'shipped', 'completed', 'returned')

),
 orders as (
    select * from "__strata_cte__stg_orders"
    where amount >= 0
)
select
    c.customer_id,
    c.customer_name,
    count(o.order_id) as order_count,
    coalesce(sum(o.amount), 0) as total_amount,
    'EUR' as currency
from "staging"."stg_customers" c
left join orders o on o.customer_id = c.customer_id
group by 1, 2
