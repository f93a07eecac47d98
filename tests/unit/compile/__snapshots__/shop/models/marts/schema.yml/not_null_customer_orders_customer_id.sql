select "customer_id"
from "marts"."customer_orders"
where "customer_id" is null
