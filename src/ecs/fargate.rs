//! Fargate: the smallest valid task size that holds a task, and its price.
