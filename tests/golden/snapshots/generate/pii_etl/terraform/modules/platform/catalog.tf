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

resource "aws_glue_catalog_table" "crm_db__customers" {
  name          = "crm_db__customers"
  database_name = aws_glue_catalog_database.lake.name
  table_type    = "EXTERNAL_TABLE"
  parameters = {
    EXTERNAL       = "TRUE"
    classification = "parquet"
  }

  storage_descriptor {
    location      = "s3://acme-analytics-exports/raw_crm_db/customers/"
    input_format  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"

    ser_de_info {
      serialization_library = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    }

    columns {
      name = "customer_id"
      type = "bigint"
    }

    columns {
      name = "email"
      type = "string"
    }

    columns {
      name = "phone"
      type = "string"
    }

    columns {
      name = "birth_year"
      type = "smallint"
    }

    columns {
      name = "country"
      type = "string"
    }

    columns {
      name = "updated_at"
      type = "timestamp"
    }

    columns {
      name = "_dlt_load_id"
      type = "string"
    }

    columns {
      name = "_dlt_id"
      type = "string"
    }
  }
}

resource "aws_glue_catalog_table" "crm_db__tickets" {
  name          = "crm_db__tickets"
  database_name = aws_glue_catalog_database.lake.name
  table_type    = "EXTERNAL_TABLE"
  parameters = {
    EXTERNAL       = "TRUE"
    classification = "parquet"
  }

  storage_descriptor {
    location      = "s3://acme-analytics-exports/raw_crm_db/tickets/"
    input_format  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"

    ser_de_info {
      serialization_library = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    }

    columns {
      name = "ticket_id"
      type = "bigint"
    }

    columns {
      name = "customer_id"
      type = "bigint"
    }

    columns {
      name = "subject"
      type = "string"
    }

    columns {
      name = "priority"
      type = "string"
    }

    columns {
      name = "opened_at"
      type = "timestamp"
    }

    columns {
      name = "updated_at"
      type = "timestamp"
    }

    columns {
      name = "_dlt_load_id"
      type = "string"
    }

    columns {
      name = "_dlt_id"
      type = "string"
    }
  }
}
