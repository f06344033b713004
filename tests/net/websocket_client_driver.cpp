// Placeholder: being written (issue 22).
int main() { return 0; }
