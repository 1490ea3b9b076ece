# Nothing pfsim reads: a bucket, no VPC.
resource "aws_s3_bucket" "logs" {
  bucket = "logs"
}
