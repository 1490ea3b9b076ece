# A three-tier VPC written the way Terraform users write one: subnets made
# with for_each and cidrsubnet, groups that reference each other through
# separate rule resources, a network ACL for the database tier with the
# ephemeral ports its replies need, and instances made with count.

variable "azs" {
  type    = list(string)
  default = ["eu-west-1a", "eu-west-1b"]
}

variable "admin_cidrs" {
  default = ["192.0.2.0/24"]
}

locals {
  vpc_cidr = "10.40.0.0/16"
  tiers    = { web = 0, app = 10, db = 20 }
  subnets = merge([
    for tier, base in local.tiers : {
      for i, az in var.azs : "${tier}-${i}" => {
        tier = tier
        az   = az
        cidr = cidrsubnet(local.vpc_cidr, 8, base + i)
      }
    }
  ]...)
}

resource "aws_vpc" "this" {
  cidr_block = local.vpc_cidr
  tags       = { Name = "three-tier" }
}

resource "aws_subnet" "this" {
  for_each          = local.subnets
  vpc_id            = aws_vpc.this.id
  availability_zone = each.value.az
  cidr_block        = each.value.cidr
}

resource "aws_security_group" "web" {
  name   = "web"
  vpc_id = aws_vpc.this.id
}

resource "aws_security_group" "app" {
  name   = "app"
  vpc_id = aws_vpc.this.id
}

resource "aws_security_group" "db" {
  name   = "db"
  vpc_id = aws_vpc.this.id
}

resource "aws_vpc_security_group_ingress_rule" "web_https" {
  security_group_id = aws_security_group.web.id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "web_ssh" {
  for_each          = toset(var.admin_cidrs)
  security_group_id = aws_security_group.web.id
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_egress_rule" "web_to_app" {
  security_group_id            = aws_security_group.web.id
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
  referenced_security_group_id = aws_security_group.app.id
}

resource "aws_vpc_security_group_ingress_rule" "app_from_web" {
  security_group_id            = aws_security_group.app.id
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
  referenced_security_group_id = aws_security_group.web.id
}

resource "aws_vpc_security_group_egress_rule" "app_to_db" {
  security_group_id            = aws_security_group.app.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.db.id
}

resource "aws_vpc_security_group_ingress_rule" "db_from_app" {
  security_group_id            = aws_security_group.db.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.app.id
}

resource "aws_network_acl" "db" {
  vpc_id     = aws_vpc.this.id
  subnet_ids = [for k, s in aws_subnet.this : s.id if local.subnets[k].tier == "db"]

  ingress {
    rule_no    = 100
    action     = "allow"
    protocol   = "tcp"
    cidr_block = cidrsubnet(local.vpc_cidr, 4, 0) # the web and app tiers, 10.40.0.0/20
    from_port  = 5432
    to_port    = 5432
  }
  egress {
    rule_no    = 100
    action     = "allow"
    protocol   = "tcp"
    cidr_block = cidrsubnet(local.vpc_cidr, 4, 0)
    from_port  = 1024
    to_port    = 65535
  }
}

resource "aws_instance" "web" {
  count                  = 2
  subnet_id              = aws_subnet.this["web-${count.index}"].id
  private_ip             = cidrhost(aws_subnet.this["web-${count.index}"].cidr_block, 10)
  vpc_security_group_ids = [aws_security_group.web.id]
}

resource "aws_instance" "app" {
  subnet_id              = aws_subnet.this["app-0"].id
  private_ip             = cidrhost(aws_subnet.this["app-0"].cidr_block, 10)
  vpc_security_group_ids = [aws_security_group.app.id]
}

resource "aws_instance" "db" {
  subnet_id              = aws_subnet.this["db-1"].id
  private_ip             = cidrhost(aws_subnet.this["db-1"].cidr_block, 10)
  vpc_security_group_ids = [aws_security_group.db.id]
}
