select * from "marts"."customer_orders" where total_amount < 0
