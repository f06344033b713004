// Placeholder: being written (issue 22).
