
select order_count from "marts"."customer_orders" where order_count <= 0
