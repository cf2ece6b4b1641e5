resource "aws_s3_bucket" "query_results" {
  bucket = var.query_results_bucket
  tags   = var.tags
}

resource "aws_s3_bucket_ownership_controls" "query_results" {
  bucket = aws_s3_bucket.query_results.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "query_results" {
  bucket                  = aws_s3_bucket.query_results.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "query_results" {
  bucket = aws_s3_bucket.query_results.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "query_results" {
  bucket = aws_s3_bucket.query_results.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.data.arn
    }

    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "query_results" {
  bucket     = aws_s3_bucket.query_results.id
  depends_on = [aws_s3_bucket_versioning.query_results]

  rule {
    id     = "housekeeping"
    status = "Enabled"

    filter {}

    expiration {
      days = 30
    }

    noncurrent_version_expiration {
      noncurrent_days = 30
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
}

resource "aws_glue_catalog_database" "lake" {
  name         = var.glue_database
  description  = "${var.name_prefix}: the lake's tables, queried with Athena"
  location_uri = "s3://${aws_s3_bucket.lake.bucket}/"
  tags         = var.tags
}

resource "aws_athena_workgroup" "lake" {
  name          = var.name_prefix
  description   = "Queries over the lake (Glue catalog)"
  force_destroy = true
  tags          = var.tags

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true

    result_configuration {
      output_location = "s3://${aws_s3_bucket.query_results.bucket}/results/"

      encryption_configuration {
        encryption_option = "SSE_KMS"
        kms_key_arn       = aws_kms_key.data.arn
      }
    }
  }
}
