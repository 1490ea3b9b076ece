# A root module calling local modules: a security group module used
# directly, with count, and through a tier module (for_each) that nests it.

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "web" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}

module "web_sg" {
  source      = "./modules/sg"
  name        = "web"
  ports       = [80, 443]
  cidr_blocks = ["0.0.0.0/0"]
}

module "bastion_sg" {
  source      = "./modules/sg"
  count       = 1
  name        = "bastion-${count.index}"
  ports       = [22]
  cidr_blocks = ["203.0.113.0/24"]
}

resource "aws_instance" "web" {
  ami           = "ami-12345678"
  instance_type = "t3.micro"
  subnet_id     = aws_subnet.web.id
  private_ip    = "10.0.1.10"
  vpc_security_group_ids = [
    module.web_sg.security_group_id,
    module.bastion_sg[0].security_group_id,
  ]
}

module "tiers" {
  source     = "./modules/tier"
  for_each   = { app = "10.0.2.0/24", db = "10.0.3.0/24" }
  name       = each.key
  vpc_id     = aws_vpc.main.id
  cidr_block = each.value
  allow_from = module.web_sg.security_group_id
}

resource "aws_network_interface" "probe" {
  subnet_id       = module.tiers["db"].subnet_id
  private_ips     = ["10.0.3.20"]
  security_groups = [module.bastion_sg[0].security_group_id]
}
