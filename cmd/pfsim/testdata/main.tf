resource "aws_security_group" "web" {
  name = "web"
}
