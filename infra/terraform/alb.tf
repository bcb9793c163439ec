# Public ALB: HTTP redirects to HTTPS; HTTPS routes by host name to each web service.
# Dagster and MLflow (no built-in auth) answer only to var.admin_cidr_blocks.
resource "aws_lb" "main" {
  name                       = local.name
  load_balancer_type         = "application"
  internal                   = false
  security_groups            = [aws_security_group.alb.id]
  subnets                    = aws_subnet.public[*].id
  drop_invalid_header_fields = true
  enable_deletion_protection = var.environment == "prod"
  idle_timeout               = 120 # Streamlit keeps a websocket open
}

resource "aws_lb_target_group" "service" {
  for_each = local.web_services

  name                 = substr("${local.name}-${each.key}", 0, 32)
  port                 = each.value.port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = aws_vpc.main.id
  deregistration_delay = 30

  health_check {
    path                = each.value.health
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  # Streamlit sessions live in one task.
  stickiness {
    type    = "lb_cookie"
    enabled = each.key == "app"
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.main.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.main.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.alb_ssl_policy
  certificate_arn   = var.acm_certificate_arn

  default_action {
    type = "fixed-response"

    fixed_response {
      content_type = "text/plain"
      message_body = "not found"
      status_code  = "404"
    }
  }
}

resource "aws_lb_listener_rule" "public" {
  for_each = { for k, v in local.web_services : k => v if !v.admin_only }

  listener_arn = aws_lb_listener.https.arn
  priority     = 100 + index(keys(local.web_services), each.key)

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.service[each.key].arn
  }

  condition {
    host_header {
      values = [each.value.host]
    }
  }
}

resource "aws_lb_listener_rule" "admin" {
  for_each = { for k, v in local.web_services : k => v if v.admin_only && length(var.admin_cidr_blocks) > 0 }

  listener_arn = aws_lb_listener.https.arn
  priority     = 200 + index(keys(local.web_services), each.key)

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.service[each.key].arn
  }

  condition {
    host_header {
      values = [each.value.host]
    }
  }

  condition {
    source_ip {
      values = var.admin_cidr_blocks
    }
  }
}
