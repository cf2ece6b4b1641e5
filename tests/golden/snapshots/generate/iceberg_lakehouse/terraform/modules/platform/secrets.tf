resource "aws_secretsmanager_secret" "spec" {
  for_each                = var.secret_names
  name                    = each.value
  description             = "${var.name_prefix}: ${each.key} (value set outside Terraform)"
  kms_key_id              = aws_kms_key.data.arn
  recovery_window_in_days = 7
  tags                    = var.tags
}
