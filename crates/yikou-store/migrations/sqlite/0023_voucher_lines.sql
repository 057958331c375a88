-- Vouchers given through the payment workflow (method 卡券): the payment line a voucher was handed
-- out on, so a line not signed for gives its vouchers back.
ALTER TABLE vouchers ADD COLUMN payment_line_id INTEGER REFERENCES payment_lines(id);
CREATE INDEX vouchers_line ON vouchers(payment_line_id);
